package app

import (
	"runtime/debug"
	"sync"
)

// version is set at build time with -ldflags "-X …/internal/app.version=1.2.3".
var version = "0.1.0-dev"

var versionOnce = sync.OnceValue(func() string {
	v := version
	if info, ok := debug.ReadBuildInfo(); ok {
		var rev, at, dirty string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+modifs"
				}
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			v += " (" + rev + dirty
			if at != "" {
				v += ", " + at
			}
			v += ")"
		}
	}
	return v
})

// Version describes this build.
func Version() string { return versionOnce() }
