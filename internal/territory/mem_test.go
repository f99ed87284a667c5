package territory

import (
	"runtime"
	"testing"
)

// TestHeapAfterLoad reports the memory a loaded referential keeps
// (go test -run HeapAfterLoad -v); it fails only if loading does.
func TestHeapAfterLoad(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("heap kept by the referential: %.1f MiB", float64(after.HeapAlloc-before.HeapAlloc)/(1<<20))
	runtime.KeepAlive(r)
}
