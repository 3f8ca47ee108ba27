//go:build unix

package points_test

import (
	"syscall"
	"time"
)

// cpuSeconds is the CPU time of the process so far (all threads, GC included).
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
