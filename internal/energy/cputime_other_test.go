//go:build !unix

package energy

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
