package points_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

func newBank(t testing.TB, e *env, cfg points.TimeBankConfig) *points.TimeBank {
	t.Helper()
	if cfg.Community == "" {
		cfg.Community = "yangguang"
	}
	cfg.Now = e.clock.Now
	tb, err := points.NewTimeBank(e.ctx, e.l, cfg)
	require.NoError(t, err)
	return tb
}

func TestTimeBankDepositCapWithdraw(t *testing.T) {
	e := newEnv(t, testScheme())
	tb := newBank(t, e, points.TimeBankConfig{StorageCap: dec("5"), Policy: points.AgePolicy(65, 60)})
	v := e.volunteer(t, "wang")
	h := points.ProviderHolder(v)
	d1 := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "3", true})
	d2 := e.done(t, "r2", catalog.UrgencyNormal, true, work{v, "4", true})

	r, err := tb.Deposit(e.ctx, completion(t, e, d1.ID, v.ID))
	require.NoError(t, err)
	assert.Equal(t, "3", r.Hours.String())
	r, err = tb.Deposit(e.ctx, completion(t, e, d2.ID, v.ID))
	require.NoError(t, err)
	assert.Equal(t, "2", r.Donated.String(), "over the cap of 5: 2 donated")
	hours, err := tb.Hours(e.ctx, h)
	require.NoError(t, err)
	assert.Equal(t, "5", hours.String())
	assert.Equal(t, "2", e.balance(t, tb.DonationAccount()).String())

	seq := e.head(t)
	again, err := tb.Deposit(e.ctx, completion(t, e, d2.ID, v.ID))
	require.NoError(t, err)
	assert.True(t, again.Replayed)
	assert.Equal(t, seq, e.head(t))

	// Withdrawals: refused under 65 (60 in hardship), allowed otherwise.
	demand := uuid.New()
	_, err = tb.Withdraw(e.ctx, points.Withdrawal{Member: points.Member{Holder: h, Age: 62}, Hours: dec("1"), DemandID: demand})
	var ref *points.Refusal
	require.ErrorAs(t, err, &ref)
	require.ErrorIs(t, err, points.ErrWithdrawRefused)
	assert.Contains(t, ref.Reason, "age 62")
	assert.Equal(t, seq, e.head(t))
	w := points.Withdrawal{Member: points.Member{Holder: h, Age: 62, Hardship: true}, Hours: dec("1.5"), DemandID: demand}
	_, err = tb.Withdraw(e.ctx, w)
	require.NoError(t, err)
	_, err = tb.Withdraw(e.ctx, w)
	require.NoError(t, err, "a retried withdrawal is a replay")
	hours, err = tb.Hours(e.ctx, h)
	require.NoError(t, err)
	assert.Equal(t, "3.5", hours.String())
	w.Hours = dec("2")
	_, err = tb.Withdraw(e.ctx, w)
	require.ErrorIs(t, err, points.ErrKeyReused)
	_, err = tb.Withdraw(e.ctx, points.Withdrawal{Member: points.Member{Holder: h, Age: 70}, Hours: dec("9"), DemandID: uuid.New()})
	require.ErrorIs(t, err, points.ErrInsufficientPoints)
	e.verify(t)
}

func TestTimeBankGift(t *testing.T) {
	e := newEnv(t, testScheme())
	tb := newBank(t, e, points.TimeBankConfig{StorageCap: dec("10"), GiftMax: dec("4"), GiftYearMax: dec("6")})
	v := e.volunteer(t, "wang")
	h := points.ProviderHolder(v)
	mother := points.PersonHolder("wang-mother")
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "10", true})
	_, err := tb.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
	require.NoError(t, err)

	g := points.Gift{Key: "g1", From: h, To: mother, Hours: dec("4"), Relationship: "parent"}
	r, err := tb.Gift(e.ctx, g)
	require.NoError(t, err)
	assert.False(t, r.Replayed)
	r, err = tb.Gift(e.ctx, g)
	require.NoError(t, err)
	assert.True(t, r.Replayed)

	cases := []struct {
		name string
		g    points.Gift
		want error
	}{
		{"over one gift", points.Gift{Key: "g2", From: h, To: mother, Hours: dec("5"), Relationship: "parent"}, points.ErrOverCap},
		{"over the year", points.Gift{Key: "g3", From: h, To: mother, Hours: dec("3"), Relationship: "parent"}, points.ErrOverCap},
		{"unknown relationship", points.Gift{Key: "g4", From: h, To: mother, Hours: dec("1"), Relationship: "neighbour"}, points.ErrInvalid},
		{"to oneself", points.Gift{Key: "g5", From: h, To: h, Hours: dec("1"), Relationship: "parent"}, points.ErrInvalid},
		{"too precise", points.Gift{Key: "g6", From: h, To: mother, Hours: dec("0.001"), Relationship: "parent"}, points.ErrInvalid},
		{"insufficient", points.Gift{Key: "g7", From: points.PersonHolder("nobody"), To: h, Hours: dec("1"), Relationship: "child"}, points.ErrInsufficientPoints},
		{"key reused", points.Gift{Key: "g1", From: h, To: mother, Hours: dec("1"), Relationship: "parent"}, points.ErrKeyReused},
		{"bad key", points.Gift{Key: "a:b", From: h, To: mother, Hours: dec("1"), Relationship: "parent"}, points.ErrInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seq := e.head(t)
			_, err := tb.Gift(e.ctx, tc.g)
			require.ErrorIs(t, err, tc.want)
			assert.Equal(t, seq, e.head(t))
		})
	}
	got, err := tb.Hours(e.ctx, mother)
	require.NoError(t, err)
	assert.Equal(t, "4", got.String())

	st, err := tb.Statement(e.ctx, mother, "", 0)
	require.NoError(t, err)
	require.Len(t, st.Entries, 1)
	assert.Equal(t, points.KindGift, st.Entries[0].Kind)
	assert.Equal(t, h, st.Entries[0].Counterparty)
	assert.Equal(t, "parent", st.Entries[0].Relationship)
	st, err = tb.Statement(e.ctx, h, "", 0)
	require.NoError(t, err)
	require.Len(t, st.Entries, 2)
	assert.Equal(t, d.ID.String(), st.Entries[0].DemandID)
	assert.Equal(t, "-4", st.Entries[1].Change.String())
	e.verify(t)
}

func TestTimeBankExchangeAndSettlement(t *testing.T) {
	e := newEnv(t, testScheme())
	a := newBank(t, e, points.TimeBankConfig{Community: "yangguang"})
	b := newBank(t, e, points.TimeBankConfig{Community: "heping"})
	v := e.volunteer(t, "wang")
	h := points.ProviderHolder(v)
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "8", true})
	_, err := a.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
	require.NoError(t, err)
	// wang, of yangguang, is served 3 hours in heping.
	_, err = a.Withdraw(e.ctx, points.Withdrawal{Member: points.Member{Holder: h}, Hours: dec("3"), DemandID: uuid.New(), ServedBy: b})
	require.NoError(t, err)
	// li, of heping, earns 2 hours at home and is served 1 hour in yangguang.
	li := points.PersonHolder("li")
	d2 := e.done(t, "r2", catalog.UrgencyNormal, true, work{e.volunteer(t, "li"), "2", true})
	p2, err := e.cat.Providers(e.ctx, catalog.ProviderQuery{Limit: 2})
	require.NoError(t, err)
	_, err = b.Deposit(e.ctx, completion(t, e, d2.ID, p2.Providers[1].ID))
	require.NoError(t, err)
	_, err = b.Withdraw(e.ctx, points.Withdrawal{Member: points.Member{Holder: li}, Hours: dec("1"), DemandID: uuid.New(), ServedBy: a})
	require.NoError(t, err)

	nets, err := points.Settlement(e.ctx, []*points.TimeBank{a, b})
	require.NoError(t, err)
	require.Len(t, nets, 1)
	// Sorted: heping (A) and yangguang (B); heping's members used 1 h in yangguang, yangguang's
	// used 3 h in heping: heping is owed 2, so A owes -2.
	assert.Equal(t, "heping", nets[0].A)
	assert.Equal(t, "-2", nets[0].Hours.String())
	_, err = points.Settlement(e.ctx, []*points.TimeBank{a, a})
	require.ErrorIs(t, err, points.ErrInvalid)
	e.verify(t)
}

func TestTimeBankReciprocal(t *testing.T) {
	e := newEnv(t, testScheme())
	tb := newBank(t, e, points.TimeBankConfig{Reciprocal: true})
	v := e.volunteer(t, "wang")
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "2", true})
	_, err := tb.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
	require.ErrorIs(t, err, points.ErrInsufficientPoints, "the requester has no hours yet")

	// Give the requester hours through a pool bank of the same community and asset.
	seed := newBank(t, e, points.TimeBankConfig{Community: "yangguang"})
	r := e.volunteer(t, "r1x")
	d0 := e.done(t, "someone", catalog.UrgencyNormal, true, work{r, "5", true})
	_, err = seed.Deposit(e.ctx, completion(t, e, d0.ID, r.ID))
	require.NoError(t, err)
	_, err = seed.Gift(e.ctx, points.Gift{Key: "seed", From: points.ProviderHolder(r), To: points.PersonHolder("r1"), Hours: dec("5"), Relationship: "friend"})
	require.NoError(t, err)

	res, err := tb.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
	require.NoError(t, err)
	assert.Equal(t, "2", res.Hours.String())
	got, err := tb.Hours(e.ctx, points.PersonHolder("r1"))
	require.NoError(t, err)
	assert.Equal(t, "3", got.String())
	st, err := tb.Statement(e.ctx, points.ProviderHolder(v), "", 0)
	require.NoError(t, err)
	require.Len(t, st.Entries, 1)
	assert.Equal(t, points.PersonHolder("r1"), st.Entries[0].Counterparty)
	e.verify(t)
}

// TestTimeBankWithdrawReplayBeforePolicy: a retried withdrawal is answered with the first one
// even when the policy would refuse it now (the member's register changed, the policy's quota
// ran out), at home and across communities; other hours under the key are still ErrKeyReused,
// and a new withdrawal is still put to the policy.
func TestTimeBankWithdrawReplayBeforePolicy(t *testing.T) {
	e := newEnv(t, testScheme())
	open := true
	quota := points.WithdrawPolicyFunc(func(_ context.Context, _ points.Withdrawal) error {
		if !open {
			return errors.New("this month's withdrawals are used up")
		}
		return nil
	})
	age := points.AgePolicy(65, 60)
	tb := newBank(t, e, points.TimeBankConfig{Policy: points.WithdrawPolicyFunc(func(ctx context.Context, w points.Withdrawal) error {
		if err := age.AllowWithdraw(ctx, w); err != nil {
			return err
		}
		return quota(ctx, w)
	})})
	other := newBank(t, e, points.TimeBankConfig{Community: "heping"})
	v := e.volunteer(t, "wang")
	h := points.ProviderHolder(v)
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "6", true})
	_, err := tb.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
	require.NoError(t, err)

	home := points.Withdrawal{Member: points.Member{Holder: h, Age: 62, Hardship: true}, Hours: dec("1.5"), DemandID: uuid.New()}
	away := points.Withdrawal{Member: points.Member{Holder: h, Age: 70}, Hours: dec("2"), DemandID: uuid.New(), ServedBy: other}
	first := map[string]points.HoursReceipt{}
	for name, w := range map[string]points.Withdrawal{"home": home, "away": away} {
		r, err := tb.Withdraw(e.ctx, w)
		require.NoError(t, err, name)
		assert.False(t, r.Replayed, name)
		first[name] = r
	}
	open = false                 // the quota ran out
	home.Member.Hardship = false // and the register no longer records hardship
	seq := e.head(t)
	for name, w := range map[string]points.Withdrawal{"home": home, "away": away} {
		r, err := tb.Withdraw(e.ctx, w)
		require.NoError(t, err, "%s: a retry is a replay, whatever the policy says now", name)
		assert.True(t, r.Replayed, name)
		assert.Equal(t, first[name].Transaction.ID, r.Transaction.ID, name)
		assert.True(t, r.Hours.Equal(w.Hours), name)
	}
	assert.Equal(t, seq, e.head(t), "replays post nothing")
	hours, err := tb.Hours(e.ctx, h)
	require.NoError(t, err)
	assert.Equal(t, "2.5", hours.String())

	other2 := home
	other2.Hours = dec("1")
	_, err = tb.Withdraw(e.ctx, other2)
	require.ErrorIs(t, err, points.ErrKeyReused, "other hours under the key")
	elsewhere := home
	elsewhere.ServedBy = other
	_, err = tb.Withdraw(e.ctx, elsewhere)
	require.ErrorIs(t, err, points.ErrKeyReused, "another serving bank under the key")
	_, err = tb.Withdraw(e.ctx, points.Withdrawal{Member: points.Member{Holder: h, Age: 70}, Hours: dec("1"), DemandID: uuid.New()})
	require.ErrorIs(t, err, points.ErrWithdrawRefused, "a new withdrawal is put to the policy")
	assert.Equal(t, seq, e.head(t))
	e.verify(t)
}

// TestSettlementNilBank: a nil bank among those given is ErrInvalid, not a nil-pointer panic
// while the banks are sorted.
func TestSettlementNilBank(t *testing.T) {
	e := newEnv(t, testScheme())
	a := newBank(t, e, points.TimeBankConfig{Community: "yangguang"})
	for _, banks := range [][]*points.TimeBank{{a, nil}, {nil}, {nil, a}} {
		_, err := points.Settlement(e.ctx, banks)
		require.ErrorIs(t, err, points.ErrInvalid)
	}
}

// TestTimeBankGiftKeyReusedForAnotherRelationship: a gift key used again for the same hours
// between the same members but recording another relationship is ErrKeyReused, not a replay
// of the first gift (which would tell the caller the "friend" gift was made when the ledger
// records a gift to a "parent").
func TestTimeBankGiftKeyReusedForAnotherRelationship(t *testing.T) {
	e := newEnv(t, testScheme())
	for _, storageCap := range []string{"0", "10", "5"} { // no cap; room; the receiver over it
		t.Run("cap "+storageCap, func(t *testing.T) {
			tb := newBank(t, e, points.TimeBankConfig{Community: "c" + storageCap, StorageCap: dec(storageCap)})
			v := e.volunteer(t, "wang"+storageCap)
			h := points.ProviderHolder(v)
			mother := points.PersonHolder("wang-mother" + storageCap)
			d := e.done(t, "r"+storageCap, catalog.UrgencyNormal, true, work{v, "10", true})
			_, err := tb.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
			require.NoError(t, err)
			g := points.Gift{Key: "g1", From: h, To: mother, Hours: dec("4"), Relationship: "parent"}
			_, err = tb.Gift(e.ctx, g)
			require.NoError(t, err)
			if storageCap == "5" {
				// The receiver's headroom moved: the retry's split differs from the first.
				g2 := points.Gift{Key: "g2", From: h, To: mother, Hours: dec("1"), Relationship: "parent"}
				_, err = tb.Gift(e.ctx, g2)
				require.NoError(t, err)
			}
			seq := e.head(t)
			r, err := tb.Gift(e.ctx, g)
			require.NoError(t, err)
			assert.True(t, r.Replayed)
			g.Relationship = "friend"
			_, err = tb.Gift(e.ctx, g)
			require.ErrorIs(t, err, points.ErrKeyReused)
			assert.Equal(t, seq, e.head(t))
		})
	}
}

// TestTimeBankGiftLongKeyLongCommunity: every gift key the documentation allows (1..64 bytes)
// works for every community it allows (1..64 bytes). "gift:" + community + ":" + key was 134
// bytes for the longest of both, over the ledger's 128, and Gift failed with the ledger's
// ErrInvalid (not points.ErrInvalid, and after opening the receiver's account). Each long key
// is still its own gift: a retry replays, another key is another gift.
func TestTimeBankGiftLongKeyLongCommunity(t *testing.T) {
	e := newEnv(t, testScheme())
	tb := newBank(t, e, points.TimeBankConfig{Community: strings.Repeat("c", 64)})
	v := e.volunteer(t, "wang")
	h := points.ProviderHolder(v)
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "10", true})
	_, err := tb.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
	require.NoError(t, err)
	mother := points.PersonHolder("wang-mother")
	for _, key := range []string{strings.Repeat("k", 64), strings.Repeat("k", 63) + "x", strings.Repeat("k", 57)} {
		g := points.Gift{Key: key, From: h, To: mother, Hours: dec("1"), Relationship: "parent"}
		r, err := tb.Gift(e.ctx, g)
		require.NoError(t, err, "key of %d bytes", len(key))
		assert.False(t, r.Replayed)
		seq := e.head(t)
		r, err = tb.Gift(e.ctx, g)
		require.NoError(t, err)
		assert.True(t, r.Replayed)
		g.Hours = dec("2")
		_, err = tb.Gift(e.ctx, g)
		require.ErrorIs(t, err, points.ErrKeyReused)
		assert.Equal(t, seq, e.head(t))
	}
	got, err := tb.Hours(e.ctx, mother)
	require.NoError(t, err)
	assert.Equal(t, "3", got.String())
	e.verify(t)
}

// TestTimeBankDepositThroughAnotherBank: a completion deposited in yangguang's bank, deposited
// again through heping's bank or through yangguang's second bank of another asset on the same
// ledger. The deposit key names neither community nor asset, so the ledger refused the
// second posting, and Deposit read the first one back and answered Replayed, success, though
// the member holds nothing in that bank. It is ErrKeyReused now, and nothing is posted.
func TestTimeBankDepositThroughAnotherBank(t *testing.T) {
	e := newEnv(t, testScheme())
	home := newBank(t, e, points.TimeBankConfig{Community: "yangguang"})
	others := map[string]*points.TimeBank{
		"another community": newBank(t, e, points.TimeBankConfig{Community: "heping"}),
		"another asset":     newBank(t, e, points.TimeBankConfig{Community: "yangguang", Asset: "CARE", Scale: 2}),
	}
	v := e.volunteer(t, "wang")
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "2", true})
	_, err := home.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
	require.NoError(t, err)
	for name, tb := range others {
		t.Run(name, func(t *testing.T) {
			seq := e.head(t)
			_, err := tb.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
			require.ErrorIs(t, err, points.ErrKeyReused)
			assert.Equal(t, seq, e.head(t))
			hours, err := tb.Hours(e.ctx, points.ProviderHolder(v))
			require.NoError(t, err)
			assert.True(t, hours.IsZero())
		})
	}
	r, err := home.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
	require.NoError(t, err)
	assert.True(t, r.Replayed, "the home bank's retry is still a replay")
	e.verify(t)
}

// TestTimeBankWithdrawRefusedOpensNoClearing: a withdrawal across communities refused for
// want of hours opened the pair's clearing accounts before the posting was refused, though
// Withdraw documents that a refused withdrawal changes nothing.
func TestTimeBankWithdrawRefusedOpensNoClearing(t *testing.T) {
	e := newEnv(t, testScheme())
	a := newBank(t, e, points.TimeBankConfig{Community: "yangguang"})
	b := newBank(t, e, points.TimeBankConfig{Community: "heping"})
	seq := e.head(t)
	_, err := a.Withdraw(e.ctx, points.Withdrawal{Member: points.Member{Holder: points.PersonHolder("x")}, Hours: dec("1"), DemandID: uuid.New(), ServedBy: b})
	require.ErrorIs(t, err, points.ErrInsufficientPoints)
	assert.Equal(t, seq, e.head(t))
	for _, id := range []ledger.AccountID{a.ClearingAccount("heping"), b.ClearingAccount("yangguang")} {
		_, err = e.l.Account(e.ctx, id)
		require.ErrorIs(t, err, ledger.ErrUnknownAccount, "%s", id)
	}
}
