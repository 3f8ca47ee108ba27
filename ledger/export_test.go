package ledger

// CursorCheck lets the external tests write a statement cursor by hand, as a caller who read
// the format could.
var CursorCheck = cursorCheck

// SetChainAhead sets when commitTx hashes a batch ahead on a second goroutine (at least
// minBatch requests and GOMAXPROCS at least minProcs); the returned func restores the default.
func SetChainAhead(minBatch, minProcs int) (restore func()) {
	oldBatch, oldProcs := chainAheadMin, chainAheadProcsMin
	chainAheadMin, chainAheadProcsMin = minBatch, minProcs
	return func() { chainAheadMin, chainAheadProcsMin = oldBatch, oldProcs }
}
