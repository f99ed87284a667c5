//go:build !unix

package acc

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
