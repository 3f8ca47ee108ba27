package points

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/ledger"
)

// Limits of an expiry run.
const (
	// ExpireTransactionsPerBatch is how many expiry transactions (one per holder account) one
	// PostBatch carries.
	ExpireTransactionsPerBatch = 1000
)

// ExpiryReport says what one Expire run did.
type ExpiryReport struct {
	Period       string          // the day of asOf in the scheme's time zone, "20260501"
	Accounts     int             // holder accounts that had points expire
	Points       decimal.Decimal // total moved to the expiry sink
	Transactions int             // expiry transactions posted
	// AlreadyDone counts what earlier runs of this period had done: the holder accounts left
	// alone because an expiry of this scheme in this period already covers them, and the
	// expiry transactions found already posted under their keys (a run racing this one).
	AlreadyDone int
}

// lot is an amount (minor units) a holder received, with the time it became effective (Unix
// microseconds).
type lot struct{ at, amount int64 }

// lots is a holder account's points in the order of their effective times (of arrival, for
// equal times). Spending takes from the oldest lot first.
type lots struct {
	holder bool
	// unsorted is set when a lot arrived older than the newest one (a back-dated posting):
	// lots[head:] are put in order of effective time before they are next taken or counted.
	unsorted bool
	lots     []lot
	head     int
}

// add adds a lot. Lots nearly always arrive in order of their effective times (the ledger
// dates a posting when it commits it); one posted back-dated goes before the newer lots, so
// that spending takes it first and expiry finds it among the due ones. It is placed lazily,
// so that many back-dated lots (an import of history, newest first) cost one sort.
func (q *lots) add(at, amount int64) {
	if n := len(q.lots); n > q.head && q.lots[n-1].at > at {
		q.unsorted = true
	}
	q.lots = append(q.lots, lot{at, amount})
}

// order puts lots[head:] in order of effective time, arrival order kept for equal times.
func (q *lots) order() {
	if q.unsorted {
		slices.SortStableFunc(q.lots[q.head:], func(a, b lot) int { return cmp.Compare(a.at, b.at) })
		q.unsorted = false
	}
}

func (q *lots) take(amount int64) {
	q.order()
	for amount > 0 && q.head < len(q.lots) {
		l := &q.lots[q.head]
		t := min(amount, l.amount)
		l.amount -= t
		amount -= t
		if l.amount == 0 {
			q.head++
		}
	}
	if q.head > 64 && q.head*2 > len(q.lots) { // keep memory bounded for busy accounts
		q.lots = append(q.lots[:0], q.lots[q.head:]...)
		q.head = 0
	}
}

// total returns what is left of all the lots: the account's balance as the scan saw it.
func (q *lots) total() int64 {
	var sum int64
	for i := q.head; i < len(q.lots); i++ {
		sum += q.lots[i].amount
	}
	return sum
}

func (q *lots) expired(cutoff int64) int64 {
	q.order()
	var sum int64
	for i := q.head; i < len(q.lots) && q.lots[i].at <= cutoff; i++ {
		sum += q.lots[i].amount
	}
	return sum
}

// ExpireSchemesMax bounds the incentives one ExpireAll takes (a district has tens of
// communities; a province shards by district).
const ExpireSchemesMax = 10_000

// Expire moves every holder's points older than the scheme's validity as of asOf to the
// expiry sink (积分清零). It reads the ledger's own postings in one pass (ledger.Scan): every
// amount a holder received is a lot dated by its effective time, and everything the holder
// spent, gave or lost consumed the oldest lots first, so what expires is exactly what is left
// of lots older than the validity. Points held for a redemption in progress are spending
// too: they count against the oldest lots, so they do not expire while held and the holder's
// newer points never expire in their place. Each due account is read again just before its
// expiry is posted, so spending since the scan is counted as well.
//
// A run is idempotent per period (the day of asOf): an account that an expiry of this scheme
// in this period already covers (found in the same scan) is not expired again in it, even
// if points were held then and could only partly expire; and each account's expiry is one
// transaction whose key is derived from the community, the account and the number of its
// earlier expiries, so runs racing each other (two processes, or two Incentives of one
// scheme, of one period or of two: replicas whose clocks straddle midnight) expire each lot
// once, even when the ledger changed between their scans. A run that
// dies midway is repaired by running again. Racing runs are safe but do the work twice, so
// run one Expire per scheme at a time (a scheduled job); within one process an Incentive's
// Expire serialises itself. To expire several schemes of one ledger, ExpireAll reads the
// ledger once for all of them.
//
// asOf is the caller's responsibility: pass the present (the ledger's clock, which a
// scheduled job has as time.Now) or a day past. Expire cannot refuse an asOf in the future:
// the package has no clock of its own, the ledger does not expose its clock, and the latest
// transaction's time only bounds the present from below (a quiet ledger's last posting may be
// days old). An asOf a month ahead expires, today, points due a month from now; its expiries
// are posted at the ledger's present time and count as that period's, so on the day named by
// asOf the accounts it covered are not expired again (the next day's run takes what is left).
// Posting the expiries effective at asOf would let the ledger refuse a future one, but it
// would refuse it only when something is due, and would back-date every run of a past asOf.
//
// Errors: ErrInvalid (asOf zero), the ledger's ErrClosed. A scheme without validity expires
// nothing.
func (inc *Incentive) Expire(ctx context.Context, asOf time.Time) (ExpiryReport, error) {
	if asOf.IsZero() {
		return ExpiryReport{Points: decimal.Zero}, errorf(ErrInvalid, "expire: zero time")
	}
	inc.expireMu.Lock()
	defer inc.expireMu.Unlock()
	reps, err := expire(ctx, asOf, []*Incentive{inc})
	if len(reps) == 0 {
		return ExpiryReport{Period: asOf.In(inc.zone).Format("20060102"), Points: decimal.Zero}, err
	}
	return reps[0], err
}

// ExpireAll expires the points of several schemes on one ledger (a district's communities at
// year end) as Expire does, but reads the ledger once for all of them instead of once per
// scheme. The transactions it posts, their idempotency keys and the reports are those of
// calling Expire on each incentive in turn, in the order given; so a run that dies midway is
// repaired by running ExpireAll (or Expire) again, and an ExpireAll after some Expire calls of
// the same period expires nothing twice. Schemes whose holder accounts coincide (a holder
// template without {community} on a shared asset) see the expiry of the schemes before them,
// as they would in turn. Reports are in the order of incentives; each incentive's Expire is
// excluded while ExpireAll runs.
//
// As for Expire, an asOf in the future is the caller's to avoid: it expires points early.
//
// Errors: ErrInvalid (asOf zero, more than ExpireSchemesMax incentives, a nil incentive),
// ErrLedgerMismatch (incentives on different ledgers), ErrDuplicateCommunity (two incentives
// of one community), and the ledger's ErrClosed; invalid input posts nothing. On a ledger
// error the reports of the schemes done so far are returned with it, the last one partial.
func ExpireAll(ctx context.Context, asOf time.Time, incentives ...*Incentive) ([]ExpiryReport, error) {
	if asOf.IsZero() {
		return nil, errorf(ErrInvalid, "expire all: zero time")
	}
	if len(incentives) > ExpireSchemesMax {
		return nil, errorf(ErrInvalid, "expire all: %d incentives, at most %d", len(incentives), ExpireSchemesMax)
	}
	communities := make(map[string]int, len(incentives))
	for i, inc := range incentives {
		if inc == nil {
			return nil, errorf(ErrInvalid, "expire all: incentive %d is nil", i)
		}
		if inc.l != incentives[0].l {
			return nil, fmt.Errorf("expire all: incentive %d (%s): %w", i, inc.s.Community, ErrLedgerMismatch)
		}
		if j, dup := communities[inc.s.Community]; dup {
			return nil, fmt.Errorf("expire all: incentives %d and %d are both %s: %w", j, i, inc.s.Community, ErrDuplicateCommunity)
		}
		communities[inc.s.Community] = i
	}
	if len(incentives) == 0 {
		return []ExpiryReport{}, nil
	}
	// Lock in the order of communities, so that two ExpireAll calls sharing incentives cannot
	// each hold a lock the other waits for.
	locked := slices.Clone(incentives)
	slices.SortFunc(locked, func(a, b *Incentive) int { return strings.Compare(a.s.Community, b.s.Community) })
	for _, inc := range locked {
		inc.expireMu.Lock()
		defer inc.expireMu.Unlock()
	}
	return expire(ctx, asOf, incentives)
}

// expire runs the expiry of incs (valid, sharing one ledger, their expireMu held) in turn,
// from one scan of the ledger. On error it returns the reports of the schemes it got to.
func expire(ctx context.Context, asOf time.Time, incs []*Incentive) ([]ExpiryReport, error) {
	reps := make([]ExpiryReport, len(incs))
	runs := make([]*expiryRun, len(incs))
	sc := &lotScan{assets: make(map[string]*assetLots), runs: make(map[string]*expiryRun, len(incs))}
	lastRun := -1
	for i, inc := range incs {
		local := asOf.In(inc.zone)
		reps[i] = ExpiryReport{Period: local.Format("20060102"), Points: decimal.Zero}
		if inc.s.ValidityMonths == 0 {
			continue
		}
		runs[i] = &expiryRun{inc: inc, period: reps[i].Period, cutoff: monthsBefore(local, inc.s.ValidityMonths).UnixMicro()}
		sc.add(runs[i])
		lastRun = i
	}
	if lastRun < 0 {
		return reps, nil
	}
	if err := sc.scan(ctx, incs[0].l); err != nil {
		return reps[:0], fmt.Errorf("expire %s: %w", reps[0].Period, err)
	}
	for i, r := range runs {
		if r == nil {
			continue
		}
		// Apply what this scheme posts to the lots, as a scan after it would see them, unless
		// no scheme comes after it.
		var posted func(*ledger.Transaction) error
		if i < lastRun {
			posted = sc.visit
		}
		if err := r.inc.expireRun(ctx, r, sc.assets[r.inc.s.Asset], posted, &reps[i]); err != nil {
			return reps[:i+1], fmt.Errorf("expire %s %s: %w", r.inc.s.Community, reps[i].Period, err)
		}
	}
	return reps, nil
}

// monthsBefore returns t moved back by months, on the same day or, when the target month is
// shorter, on its last day. AddDate would normalise 31 March minus a month to 3 March, so
// points received on 2 March would expire on 31 March, a month early.
func monthsBefore(t time.Time, months int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m-time.Month(months), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// expiryRun is one scheme's part of an expiry.
type expiryRun struct {
	inc     *Incentive
	period  string
	cutoff  int64 // lots effective at or before this (Unix microseconds) expire
	members []int // the scheme's holder accounts (indices in assetLots), in order of first appearance
	// done holds the holder accounts (indices in assetLots) that an expiry transaction of
	// this scheme and period already covers.
	done map[int]struct{}
	// expiries counts, per holder account (index in assetLots), the expiry transactions of
	// this scheme the scan found, of any period: the account's next expiry is numbered by it
	// (expiryKey).
	expiries map[int]int
}

// lotScan holds the lots of every holder account of the schemes being expired, per asset:
// lots depend only on an account's postings, so schemes that share a holder account share
// its lots.
type lotScan struct {
	assets map[string]*assetLots
	runs   map[string]*expiryRun // by community (ExpireAll refuses a community twice)
	last   *assetLots            // the asset of the posting seen last, to skip the map lookup
}

// assetLots is the lots of one asset's holder accounts.
type assetLots struct {
	asset string
	scale int32
	runs  []*expiryRun
	index map[ledger.AccountID]int // -1: not a holder account of any run
	ids   []ledger.AccountID
	all   []lots
}

func (sc *lotScan) add(r *expiryRun) {
	a := sc.assets[r.inc.s.Asset]
	if a == nil {
		a = &assetLots{asset: r.inc.s.Asset, scale: r.inc.s.Scale}
		sc.assets[a.asset] = a
	}
	a.runs = append(a.runs, r)
	sc.runs[r.inc.s.Community] = r
}

// scan reads every transaction of l once into the lots.
func (sc *lotScan) scan(ctx context.Context, l *ledger.Ledger) error {
	head, err := l.Head(ctx)
	if err != nil {
		return err
	}
	// Size the index by the number of transactions (bounded), so a big ledger is not rehashed
	// over and over while it is read.
	hint := min(head.Seq, scanIndexHintMax) / uint64(len(sc.assets))
	for _, a := range sc.assets {
		a.index = make(map[ledger.AccountID]int, hint)
	}
	return scanAll(ctx, l, sc.visit)
}

// visit applies one transaction's postings to the lots: a holder account receiving an amount
// gains a lot dated by the transaction's effective time, one sending an amount spends its
// oldest lots first.
func (sc *lotScan) visit(tx *ledger.Transaction) error {
	if tx.Memo == expireMemo && tx.Metadata[MetaKind] == KindExpire {
		sc.expired(tx)
	}
	at := tx.EffectiveAt.UnixMicro()
	for i := range tx.Postings {
		p := &tx.Postings[i]
		a := sc.last
		if a == nil || a.asset != p.Asset {
			if a = sc.assets[p.Asset]; a == nil {
				continue
			}
			sc.last = a
		}
		// Indices, not pointers: the second get may grow a.all.
		from, to := a.get(p.From), a.get(p.To)
		if from < 0 && to < 0 {
			continue
		}
		v, err := ledger.ToMinor(p.Amount, a.scale)
		if err != nil {
			return err
		}
		if from >= 0 {
			a.all[from].take(v)
		}
		if to >= 0 {
			a.all[to].add(at, v)
		}
	}
	return nil
}

// expired counts the holder accounts an expiry transaction covers for the run of its scheme,
// and records them as done if that run expires the same period.
func (sc *lotScan) expired(tx *ledger.Transaction) {
	r := sc.runs[tx.Metadata[MetaCommunity]]
	if r == nil {
		return
	}
	samePeriod := tx.Metadata[MetaPeriod] == r.period
	a := sc.assets[r.inc.s.Asset]
	for i := range tx.Postings {
		p := &tx.Postings[i]
		if p.To != r.inc.expiry || p.Asset != a.asset {
			continue
		}
		j := a.get(p.From)
		if j < 0 {
			continue
		}
		if r.expiries == nil {
			r.expiries = make(map[int]int)
		}
		r.expiries[j]++
		if samePeriod {
			if r.done == nil {
				r.done = make(map[int]struct{})
			}
			r.done[j] = struct{}{}
		}
	}
}

// expireMemo is the memo of every expiry transaction.
const expireMemo = "积分过期 points expired"

// get returns the index of id's lots, or -1 if id is no run's holder account.
func (a *assetLots) get(id ledger.AccountID) int {
	if i, ok := a.index[id]; ok {
		return i
	}
	i := -1
	for _, r := range a.runs {
		if _, ok := r.inc.holders.holder(id); !ok {
			continue
		}
		if i < 0 {
			i = len(a.all)
			a.all = append(a.all, lots{holder: true})
			a.ids = append(a.ids, id)
		}
		r.members = append(r.members, i)
	}
	a.index[id] = i
	return i
}

// expireRun posts one scheme's expiry from the lots, adding to rep. posted, if not nil, is
// told of every expiry transaction it posts or finds a racing run posted under its key.
//
// Each holder account's expiry is a transaction of its own, keyed by the community, the
// account and the number of its expiries the scan found (expiryKey): a run whose scan saw
// another ledger than a racing run's (a holder spent or received points in between, or the
// run is of another period: two replicas whose clocks straddle midnight) still expires each
// lot once, since both runs number the account's next expiry alike and only one posts under
// the number. A key over several accounts would differ between such runs, and both would
// post.
func (inc *Incentive) expireRun(ctx context.Context, r *expiryRun, a *assetLots, posted func(*ledger.Transaction) error, rep *ExpiryReport) error {
	meta := map[string]string{MetaKind: KindExpire, MetaCommunity: inc.s.Community, MetaPeriod: rep.Period}
	scale := inc.s.Scale
	batch := make([]ledger.Transaction, 0, min(len(r.members), ExpireTransactionsPerBatch))
	amounts := make([]int64, 0, cap(batch))
	fresh := make([]int64, 0, cap(batch)) // per transaction: the account's points not due
	numbers := make([]int, 0, cap(batch)) // per transaction: the account's expiries before it
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		res, err := inc.l.PostBatch(ctx, batch)
		if err != nil {
			return err
		}
		for i, r := range res {
			switch {
			case r.Err == nil && r.Transaction.Replayed:
				// Posted by a run racing this one (its scan did not see the other's).
				if err := inc.racedExpiry(ctx, &r.Transaction, posted, rep); err != nil {
					return err
				}
			case r.Err == nil:
				rep.Transactions++
				rep.Accounts++
				rep.Points = rep.Points.Add(ledger.FromMinor(amounts[i], scale))
				if posted != nil {
					if err := posted(&r.Transaction); err != nil {
						return err
					}
				}
			case errors.Is(r.Err, ledger.ErrIdempotencyConflict):
				// A racing run expired this account in the period, another amount.
				if err := inc.racedExpiry(ctx, &batch[i], posted, rep); err != nil {
					return err
				}
			case errors.Is(r.Err, ledger.ErrInsufficientBalance):
				// Spent or reserved since the account was read: read it again, under the
				// same key.
				p := &batch[i].Postings[0]
				if err := inc.expireOne(ctx, p.From, amounts[i], fresh[i], numbers[i], meta, posted, rep); err != nil {
					return err
				}
			default:
				return r.Err
			}
		}
		batch, amounts, fresh, numbers = batch[:0], amounts[:0], fresh[:0], numbers[:0]
		return nil
	}
	// Due accounts are read a page at a time (one store view for the page, not two per
	// account), just before their expiries are posted.
	type pending struct {
		id          ledger.AccountID
		due, notDue int64
		expiries    int
	}
	page := make([]pending, 0, cap(batch))
	ids := make([]ledger.AccountID, 0, cap(batch))
	post := func() error {
		if len(page) == 0 {
			return nil
		}
		ids = ids[:0]
		for _, p := range page {
			ids = append(ids, p.id)
		}
		bs, err := inc.l.Balances(ctx, ids)
		if err != nil {
			return err
		}
		for k, p := range page {
			v, err := inc.dueOf(&bs[k], p.due, p.notDue)
			if err != nil {
				return err
			}
			if v <= 0 {
				continue
			}
			batch = append(batch, ledger.Transaction{
				IdempotencyKey: inc.expiryKey(p.id, p.expiries),
				Postings:       []ledger.Posting{{From: p.id, To: inc.expiry, Amount: ledger.FromMinor(v, scale), Asset: inc.s.Asset}},
				Memo:           expireMemo, Metadata: meta,
			})
			amounts = append(amounts, v)
			fresh = append(fresh, p.notDue)
			numbers = append(numbers, p.expiries)
		}
		page = page[:0]
		return flush()
	}
	for _, i := range r.members {
		if _, done := r.done[i]; done {
			rep.AlreadyDone++
			continue
		}
		due := a.all[i].expired(r.cutoff)
		if due <= 0 {
			continue
		}
		page = append(page, pending{id: a.ids[i], due: due, notDue: a.all[i].total() - due, expiries: r.expiries[i]})
		if len(page) == ExpireTransactionsPerBatch {
			if err := post(); err != nil {
				return err
			}
		}
	}
	return post()
}

// expiryKey is the idempotency key of the expiry of holder account id that follows
// expiries earlier expiries of this scheme (by community), whatever the period and
// the amount. Runs that race each other, of one period or of two, find the same number of
// earlier expiries unless one saw the other's, so only one of them posts the account's next
// expiry; a key per period let runs of two periods expire the same lots twice, and took the
// second time out of the holder's newer points.
func (inc *Incentive) expiryKey(id ledger.AccountID, expiries int) string {
	sum := sha256.Sum256([]byte(inc.s.Community + "\x00" + string(id) + "\x00" + strconv.Itoa(expiries)))
	return "expire:n" + strconv.Itoa(expiries) + ":" + hex.EncodeToString(sum[:20])
}

// dueNow returns what of an account's due points (minor units, found by the scan, which
// found fresh more that are not due) expires now. Open holds are spending in progress, and
// spending takes the oldest points first, so held points are taken out of the due ones, not
// out of the fresh ones; so are points spent since the scan. Points received since the scan
// are counted as if spent, so at worst a run expires less.
func (inc *Incentive) dueNow(ctx context.Context, id ledger.AccountID, due, fresh int64) (int64, error) {
	bs, err := inc.l.Balances(ctx, []ledger.AccountID{id})
	if err != nil {
		return 0, err
	}
	return inc.dueOf(&bs[0], due, fresh)
}

// dueOf is dueNow with the account's balance and available points already read.
func (inc *Incentive) dueOf(b *ledger.AccountBalance, due, fresh int64) (int64, error) {
	bal, err := ledger.ToMinor(b.Balance, inc.s.Scale)
	if err != nil {
		return 0, err
	}
	av, err := ledger.ToMinor(b.Available, inc.s.Scale)
	if err != nil {
		return 0, err
	}
	return min(due-(bal-av), av-fresh), nil
}

// expireOne expires what is left now of one account's due amount (see dueNow), under the
// account's expiry key.
func (inc *Incentive) expireOne(ctx context.Context, id ledger.AccountID, amount, fresh int64, expiries int, meta map[string]string, posted func(*ledger.Transaction) error, rep *ExpiryReport) error {
	now, err := inc.dueNow(ctx, id, amount, fresh)
	if err != nil {
		return err
	}
	if now <= 0 {
		return nil
	}
	v := ledger.FromMinor(now, inc.s.Scale)
	in := ledger.Transaction{
		IdempotencyKey: inc.expiryKey(id, expiries),
		Postings:       []ledger.Posting{{From: id, To: inc.expiry, Amount: v, Asset: inc.s.Asset}},
		Memo:           expireMemo, Metadata: meta,
	}
	tx, err := inc.l.Post(ctx, in)
	switch {
	case err == nil && tx.Replayed:
		return inc.racedExpiry(ctx, &tx, posted, rep)
	case err == nil:
		rep.Transactions++
		rep.Accounts++
		rep.Points = rep.Points.Add(v)
		if posted != nil {
			return posted(&tx)
		}
	case errors.Is(err, ledger.ErrIdempotencyConflict):
		return inc.racedExpiry(ctx, &in, posted, rep)
	case errors.Is(err, ledger.ErrInsufficientBalance):
		// Spent again meanwhile: what is left expires next run.
	default:
		return err
	}
	return nil
}

// racedExpiry counts an account's expiry that a racing run posted under its key after this
// run's scan (tx is the replay, or this run's request when the amounts differed). posted, if
// not nil, is told of the transaction that run posted, as of one this run posts: a later
// scheme sharing the account must see the points gone, as it would in turn.
func (inc *Incentive) racedExpiry(ctx context.Context, tx *ledger.Transaction, posted func(*ledger.Transaction) error, rep *ExpiryReport) error {
	rep.AlreadyDone++
	if posted == nil {
		return nil
	}
	if !tx.Replayed {
		prior, err := inc.l.TransactionByKey(ctx, tx.IdempotencyKey)
		if err != nil {
			return err
		}
		tx = &prior
	}
	return posted(tx)
}

// scanIndexHintMax bounds the account index pre-sized for a scan.
const scanIndexHintMax = 8_000_000

// ScanPagesMax bounds the pages of one full scan of the ledger (ScanLimitMax transactions each):
// ten billion transactions.
const ScanPagesMax = 1_000_000

// scanAll calls fn for every transaction of the ledger in commit order.
func scanAll(ctx context.Context, l *ledger.Ledger, fn func(*ledger.Transaction) error) error {
	q := ledger.ScanQuery{Limit: ledger.ScanLimitMax}
	for range ScanPagesMax {
		page, err := l.Scan(ctx, q)
		if err != nil {
			return err
		}
		for i := range page.Transactions {
			if err := fn(&page.Transactions[i]); err != nil {
				return err
			}
		}
		if page.Done {
			return nil
		}
		q = page.Next
	}
	return fmt.Errorf("scan: more than %d pages", ScanPagesMax)
}
