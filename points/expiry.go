package points

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/ledger"
)

// Limits of an expiry run.
const (
	// ExpireTransactionsPerBatch is how many expiry transactions (of up to ledger.PostingsMax
	// postings each) one PostBatch carries.
	ExpireTransactionsPerBatch = 1000
)

// ExpiryReport says what one Expire run did.
type ExpiryReport struct {
	Period       string          // the day of asOf in the scheme's time zone, "20260501"
	Accounts     int             // holder accounts that had points expire
	Points       decimal.Decimal // total moved to the expiry sink
	Transactions int             // expiry transactions posted
	// AlreadyDone counts the expiry transactions (or single accounts) found already posted
	// for this period by an earlier run; their accounts were left alone.
	AlreadyDone int
}

// lot is an amount (minor units) a holder received, with the time it became effective (Unix
// microseconds).
type lot struct{ at, amount int64 }

// lots is a holder account's points in the order they arrived. Spending takes from the oldest
// lot first.
type lots struct {
	holder bool
	lots   []lot
	head   int
}

func (q *lots) add(at, amount int64) { q.lots = append(q.lots, lot{at, amount}) }

func (q *lots) take(amount int64) {
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

func (q *lots) expired(cutoff int64) int64 {
	var sum int64
	for i := q.head; i < len(q.lots) && q.lots[i].at <= cutoff; i++ {
		sum += q.lots[i].amount
	}
	return sum
}

// Expire moves every holder's points older than the scheme's validity as of asOf to the
// expiry sink (积分清零). It reads the ledger's own postings in one pass (ledger.Scan): every
// amount a holder received is a lot dated by its effective time, and everything the holder
// spent, gave or lost consumed the oldest lots first, so what expires is exactly what is left
// of lots older than the validity. Points held for a redemption in progress do not expire
// while held.
//
// A run is idempotent per period (the day of asOf): each expiry transaction's key is derived
// from the period and the accounts it covers, and an account expired once in a period is not
// expired again in it. A run that dies midway is repaired by running again. Run one Expire
// per scheme at a time (a scheduled job); within one process Expire serialises itself.
//
// Errors: ErrInvalid (asOf zero), the ledger's ErrClosed. A scheme without validity expires
// nothing.
func (inc *Incentive) Expire(ctx context.Context, asOf time.Time) (ExpiryReport, error) {
	rep := ExpiryReport{Points: decimal.Zero}
	if asOf.IsZero() {
		return rep, errorf(ErrInvalid, "expire: zero time")
	}
	rep.Period = asOf.In(inc.zone).Format("20060102")
	if inc.s.ValidityMonths == 0 {
		return rep, nil
	}
	inc.expireMu.Lock()
	defer inc.expireMu.Unlock()
	cutoff := asOf.In(inc.zone).AddDate(0, -inc.s.ValidityMonths, 0).UnixMicro()

	accounts, order, err := inc.scanLots(ctx)
	if err != nil {
		return rep, fmt.Errorf("expire %s: %w", rep.Period, err)
	}
	type due struct {
		id     ledger.AccountID
		amount int64
	}
	dues := make([]due, 0, len(order)/4)
	for i, id := range order {
		if v := accounts[i].expired(cutoff); v > 0 {
			dues = append(dues, due{id, v})
		}
	}
	meta := map[string]string{MetaKind: KindExpire, MetaCommunity: inc.s.Community, MetaPeriod: rep.Period}
	scale := inc.s.Scale
	var batch []ledger.Transaction
	var chunks [][]due
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
			case r.Err == nil:
				rep.Transactions++
				for _, d := range chunks[i] {
					rep.Accounts++
					rep.Points = rep.Points.Add(ledger.FromMinor(d.amount, scale))
				}
			case errors.Is(r.Err, ledger.ErrIdempotencyConflict):
				rep.AlreadyDone++
			case errors.Is(r.Err, ledger.ErrInsufficientBalance):
				// Someone spent or reserved points since the scan: expire account by account,
				// at most what is available now.
				for _, d := range chunks[i] {
					if err := inc.expireOne(ctx, d.id, d.amount, rep.Period, meta, &rep); err != nil {
						return err
					}
				}
			default:
				return r.Err
			}
		}
		batch, chunks = batch[:0], chunks[:0]
		return nil
	}
	for start := 0; start < len(dues); start += ledger.PostingsMax {
		chunk := dues[start:min(start+ledger.PostingsMax, len(dues))]
		h := sha256.New()
		h.Write([]byte(inc.s.Community + "\x00" + inc.s.Asset + "\x00" + rep.Period))
		ps := make([]ledger.Posting, len(chunk))
		for i, d := range chunk {
			h.Write([]byte("\x00" + d.id))
			ps[i] = ledger.Posting{From: d.id, To: inc.expiry, Amount: ledger.FromMinor(d.amount, scale), Asset: inc.s.Asset}
		}
		key := "expire:" + rep.Period + ":" + hex.EncodeToString(h.Sum(nil))[:40]
		batch = append(batch, ledger.Transaction{IdempotencyKey: key, Postings: ps, Memo: "积分过期 points expired", Metadata: meta})
		chunks = append(chunks, chunk)
		if len(batch) == ExpireTransactionsPerBatch {
			if err := flush(); err != nil {
				return rep, fmt.Errorf("expire %s: %w", rep.Period, err)
			}
		}
	}
	if err := flush(); err != nil {
		return rep, fmt.Errorf("expire %s: %w", rep.Period, err)
	}
	return rep, nil
}

// expireOne expires what is available of one account's due amount, under a key of its own.
func (inc *Incentive) expireOne(ctx context.Context, id ledger.AccountID, amount int64, period string, meta map[string]string, rep *ExpiryReport) error {
	avail, err := inc.l.Available(ctx, id)
	if err != nil {
		return err
	}
	v := decimal.Min(avail, ledger.FromMinor(amount, inc.s.Scale))
	if !v.IsPositive() {
		return nil
	}
	sum := sha256.Sum256([]byte(inc.s.Community + "\x00" + period + "\x00" + string(id)))
	_, err = inc.l.Post(ctx, ledger.Transaction{
		IdempotencyKey: "expire:" + period + ":" + hex.EncodeToString(sum[:20]),
		Postings:       []ledger.Posting{{From: id, To: inc.expiry, Amount: v, Asset: inc.s.Asset}},
		Memo:           "积分过期 points expired", Metadata: meta,
	})
	switch {
	case err == nil:
		rep.Transactions++
		rep.Accounts++
		rep.Points = rep.Points.Add(v)
	case errors.Is(err, ledger.ErrIdempotencyConflict):
		rep.AlreadyDone++
	case errors.Is(err, ledger.ErrInsufficientBalance):
		// Spent again meanwhile: what is left expires next run.
	default:
		return err
	}
	return nil
}

// scanLots reads every transaction once and returns the lots of every holder account of the
// scheme, in the order the accounts first appeared.
func (inc *Incentive) scanLots(ctx context.Context) ([]lots, []ledger.AccountID, error) {
	head, err := inc.l.Head(ctx)
	if err != nil {
		return nil, nil, err
	}
	// Size the index by the number of transactions (bounded), so a big ledger is not rehashed
	// over and over while it is read.
	index := make(map[ledger.AccountID]int, min(head.Seq, scanIndexHintMax))
	var all []lots
	var order []ledger.AccountID
	get := func(id ledger.AccountID) *lots {
		i, ok := index[id]
		if !ok {
			_, isHolder := inc.holders.holder(id)
			i = -1
			if isHolder {
				i = len(all)
				all = append(all, lots{holder: true})
				order = append(order, id)
			}
			index[id] = i
		}
		if i < 0 {
			return nil
		}
		return &all[i]
	}
	err = scanAll(ctx, inc.l, func(tx *ledger.Transaction) error {
		at := tx.EffectiveAt.UnixMicro()
		for i := range tx.Postings {
			p := &tx.Postings[i]
			if p.Asset != inc.s.Asset {
				continue
			}
			from, to := get(p.From), get(p.To)
			if from == nil && to == nil {
				continue
			}
			v, err := ledger.ToMinor(p.Amount, inc.s.Scale)
			if err != nil {
				return err
			}
			if from != nil {
				from.take(v)
			}
			if to != nil {
				to.add(at, v)
			}
		}
		return nil
	})
	return all, order, err
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
