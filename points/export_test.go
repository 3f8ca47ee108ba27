package points

// SetRedeemTestHook makes Redeem call f where a concurrent call could interleave: stage
// "reserved" (an attempt's units held, its points not yet) and "refused" (its points refused,
// the attempt not yet voided).
func SetRedeemTestHook(sh *Shop, f func(key string, attempt int, stage string)) { sh.testHook = f }

// SetLeaderboardKeptMax sets how many providers a leaderboard scan tracks and returns a func
// that restores it.
func SetLeaderboardKeptMax(n int) (restore func()) {
	old := leaderboardKeptMax
	leaderboardKeptMax = n
	return func() { leaderboardKeptMax = old }
}
