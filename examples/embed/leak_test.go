package embed_test

import (
	"runtime"
	"testing"
	"time"
)

// TestExampleClosesStore runs Example and checks that it leaves no goroutine behind: the
// SQLite store's connection pool is closed, as a service embedding the library must do.
func TestExampleClosesStores(t *testing.T) {
	before := runtime.NumGoroutine()
	Example()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<16)
		t.Errorf("Example left %d goroutine(s) running:\n%s", after-before, buf[:runtime.Stack(buf, true)])
	}
}
