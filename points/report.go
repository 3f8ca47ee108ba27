package points

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/ledger"
)

// Limits of reports.
const (
	LeaderboardLimitMax = 10_000
	ServiceRecordMax    = 100_000 // activities in one service record
	settlementBanksMax  = 1000
)

// leaderboardKeptMax bounds the providers one leaderboard scan tracks (a variable so that
// tests can lower it).
var leaderboardKeptMax = 10_000_000

// LeaderboardQuery selects the awards a leaderboard (积分排行) counts: those effective in
// [From, To) (zero To: no end), of one community ("" for all), in one asset.
//
// Asset is the code of the asset whose awards count (a scheme's Scheme.Asset, such as PTS):
// points of two schemes on one ledger (PTS and an honour score HONOR, say) are never added up.
// "" means the only asset the selected awards use; when they use more than one, Leaderboards
// refuses and names them.
type LeaderboardQuery struct {
	From, To  time.Time
	Community string
	Asset     string
	Limit     int // providers listed; 0 means all, at most LeaderboardLimitMax
}

// leaderboardAssetsNamed bounds the asset codes a refused leaderboard names.
const leaderboardAssetsNamed = 8

// ProviderStanding is a provider's points in a period.
type ProviderStanding struct {
	Community  string
	ProviderID string
	Holder     string
	Points     decimal.Decimal // awarded minus clawed back
	Activities int             // awards not clawed back
	Hours      decimal.Decimal // credited hours of those awards
}

// CommunityStanding is a community's total in a period.
type CommunityStanding struct {
	Community string
	Points    decimal.Decimal
	Providers int
}

// Leaderboard is the ranking of providers and of communities in a period (积分排行, used for
// 评优 selections): highest points first, ties by provider id.
type Leaderboard struct {
	Providers   []ProviderStanding
	Communities []CommunityStanding
}

type awardFacts struct {
	key                        string // community + provider
	points, hours              decimal.Decimal
	community, provider, owner string
}

// Leaderboards computes the leaderboard from the ledger alone, in one pass over every
// transaction: awards (kind "award") of the query's asset count for the period they took
// effect in; a clawback (reversal or partial) takes its award out again. An award's asset is
// that of its postings (leaving out its cap asset, the asset's code and "_CAP", whose postings
// count awards against caps); a clawback follows its award's. An asset no selected award uses
// gives an empty leaderboard.
//
// Errors: ErrInvalid (limit out of range, To before From, an Asset that is not an asset code,
// no Asset while the selected awards use more than one: the error names them, more awarded
// providers than one scan tracks: 10,000,000), ledger.ErrCorrupt (an award with unreadable
// points or hours, or whose postings move more than one asset besides cap assets), the
// ledger's ErrClosed.
func Leaderboards(ctx context.Context, l *ledger.Ledger, q LeaderboardQuery) (Leaderboard, error) {
	if q.Limit < 0 || q.Limit > LeaderboardLimitMax {
		return Leaderboard{}, errorf(ErrInvalid, "leaderboard limit %d, want 0..%d", q.Limit, LeaderboardLimitMax)
	}
	if !q.To.IsZero() && q.To.Before(q.From) {
		return Leaderboard{}, errorf(ErrInvalid, "leaderboard: To %s before From %s", q.To, q.From)
	}
	if q.Asset != "" {
		if err := ledger.ValidateAssetCode(q.Asset); err != nil {
			return Leaderboard{}, fmt.Errorf("%w: leaderboard: %w", ErrInvalid, err)
		}
	}
	// With no Asset, the assets of the selected awards: a second one refuses the board (the
	// scan goes on only to name them, up to leaderboardAssetsNamed).
	var assets []string
	assetsMore := false
	awards := make(map[uuid.UUID]*awardFacts) // award transactions in the period, by id
	byDemand := make(map[string]*awardFacts)  // the same, by demand, provider and asset
	standings := make(map[string]*ProviderStanding)
	take := func(f *awardFacts, sign int64) error {
		s := standings[f.key]
		if s == nil {
			// Dropping the rest would rank a wrong board without a word.
			if len(standings) >= leaderboardKeptMax {
				return errorf(ErrInvalid, "more than %d providers in one leaderboard: narrow it by community or period", leaderboardKeptMax)
			}
			s = &ProviderStanding{Community: f.community, ProviderID: f.provider, Holder: f.owner, Points: decimal.Zero, Hours: decimal.Zero}
			standings[f.key] = s
		}
		n := decimal.NewFromInt(sign)
		s.Points = s.Points.Add(f.points.Mul(n))
		s.Hours = s.Hours.Add(f.hours.Mul(n))
		s.Activities += int(sign)
		return nil
	}
	err := scanAll(ctx, l, func(tx *ledger.Transaction) error {
		m := tx.Metadata
		switch {
		case m[MetaKind] == KindAward:
			if (q.Community != "" && m[MetaCommunity] != q.Community) || tx.EffectiveAt.Before(q.From) || (!q.To.IsZero() && !tx.EffectiveAt.Before(q.To)) {
				return nil
			}
			asset, ok := awardAsset(tx.Postings)
			if !ok {
				return fmt.Errorf("%w: award %s moves more than one asset", ledger.ErrCorrupt, tx.ID)
			}
			switch {
			case q.Asset != "":
				if asset != q.Asset {
					return nil
				}
			case !slices.Contains(assets, asset):
				if len(assets) < leaderboardAssetsNamed {
					assets = append(assets, asset)
				} else {
					assetsMore = true
				}
			}
			if len(assets) > 1 {
				return nil // refused below: nothing more to count
			}
			pts, err1 := decimal.NewFromString(m[MetaPoints])
			hrs, err2 := decimal.NewFromString(m[MetaHours])
			if err1 != nil || err2 != nil {
				return fmt.Errorf("%w: award %s has unreadable points or hours", ledger.ErrCorrupt, tx.ID)
			}
			f := &awardFacts{key: m[MetaCommunity] + "\x00" + m[MetaProvider], points: pts, hours: hrs,
				community: m[MetaCommunity], provider: m[MetaProvider], owner: m[MetaHolder]}
			awards[tx.ID] = f
			byDemand[m[MetaDemand]+"\x00"+m[MetaProvider]+"\x00"+asset] = f
			return take(f, 1)
		case tx.Reverses != uuid.Nil:
			if f, ok := awards[tx.Reverses]; ok {
				delete(awards, tx.Reverses)
				return take(f, -1)
			}
		case m[MetaKind] == KindClawback:
			if len(byDemand) == 0 {
				return nil
			}
			// A partial clawback moves its award's asset (and gives back its cap room).
			asset, _ := awardAsset(tx.Postings)
			k := m[MetaDemand] + "\x00" + m[MetaProvider] + "\x00" + asset
			if f, ok := byDemand[k]; ok {
				delete(byDemand, k)
				return take(f, -1)
			}
		}
		return nil
	})
	if err != nil {
		return Leaderboard{}, fmt.Errorf("leaderboard: %w", err)
	}
	if len(assets) > 1 {
		slices.Sort(assets)
		more := ""
		if assetsMore {
			more = " and more"
		}
		return Leaderboard{}, errorf(ErrInvalid, "leaderboard: the awards selected are in assets %s%s: set LeaderboardQuery.Asset to the one to rank",
			strings.Join(assets, ", "), more)
	}
	var out Leaderboard
	communities := make(map[string]*CommunityStanding)
	for _, s := range standings {
		if s.Activities <= 0 {
			continue
		}
		out.Providers = append(out.Providers, *s)
		c := communities[s.Community]
		if c == nil {
			c = &CommunityStanding{Community: s.Community, Points: decimal.Zero}
			communities[s.Community] = c
		}
		c.Points = c.Points.Add(s.Points)
		c.Providers++
	}
	slices.SortFunc(out.Providers, func(a, b ProviderStanding) int {
		if c := b.Points.Cmp(a.Points); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.ProviderID, b.ProviderID), cmp.Compare(a.Community, b.Community))
	})
	if q.Limit > 0 && len(out.Providers) > q.Limit {
		out.Providers = out.Providers[:q.Limit]
	}
	for _, c := range communities {
		out.Communities = append(out.Communities, *c)
	}
	slices.SortFunc(out.Communities, func(a, b CommunityStanding) int {
		if c := b.Points.Cmp(a.Points); c != 0 {
			return c
		}
		return cmp.Compare(a.Community, b.Community)
	})
	return out, nil
}

// awardAsset returns the asset an award's (or a partial clawback's) postings move, leaving out
// cap assets: an asset whose code is another posting's asset's code and "_CAP" (quotaAssetOf).
// ok is false when they move more than one other asset.
func awardAsset(ps []ledger.Posting) (asset string, ok bool) {
	var capAsset string // the last cap asset left out
	for i := range ps {
		a := ps[i].Asset
		if a == asset || a == capAsset {
			continue
		}
		if capOfAnother(a, ps) {
			capAsset = a
			continue
		}
		if asset != "" {
			return "", false
		}
		asset = a
	}
	return asset, asset != ""
}

// capOfAnother reports whether a is the cap asset of another asset that ps move.
func capOfAnother(a string, ps []ledger.Posting) bool {
	base, ok := strings.CutSuffix(a, quotaSuffix)
	if !ok {
		return false
	}
	for i := range ps {
		if ps[i].Asset == base {
			return true
		}
	}
	return false
}

// Activity is one audited service in a volunteer's record.
type Activity struct {
	DemandID   string
	Title      string
	Category   string
	Community  string
	Hours      decimal.Decimal // credited hours
	Points     decimal.Decimal // points awarded (zero if only hours were deposited)
	AuditedAt  string          // RFC 3339
	Auditor    string
	ClawedBack bool // found fraudulent: not counted in the totals
}

// ServiceRecord is a volunteer's service record (志愿服务记录), the basis of a volunteer-service
// certificate (志愿服务记录证明): every audited activity, with totals of those that stand.
type ServiceRecord struct {
	ProviderID string
	Activities []Activity // in the order they were recorded
	Count      int
	Hours      decimal.Decimal
	Points     decimal.Decimal
}

// ServiceRecordOf computes a provider's service record from the ledger alone, in one pass:
// awards and time-bank deposits (an activity that earned both is listed once, as its award
// records it: with the hours the scheme credited, whichever was posted first), with
// clawed-back awards marked and left out of the totals.
//
// Errors: ErrInvalid (more than ServiceRecordMax activities), ledger.ErrCorrupt (an activity
// of the provider with unreadable hours or points), the ledger's ErrClosed.
func ServiceRecordOf(ctx context.Context, l *ledger.Ledger, providerID uuid.UUID) (ServiceRecord, error) {
	pid := providerID.String()
	rec := ServiceRecord{ProviderID: pid, Hours: decimal.Zero, Points: decimal.Zero}
	index := make(map[string]int) // demand → activity
	awardOf := make(map[uuid.UUID]string)
	err := scanAll(ctx, l, func(tx *ledger.Transaction) error {
		m := tx.Metadata
		if tx.Reverses != uuid.Nil {
			if d, ok := awardOf[tx.Reverses]; ok {
				rec.Activities[index[d]].ClawedBack = true
			}
			return nil
		}
		if m[MetaProvider] != pid {
			return nil
		}
		switch m[MetaKind] {
		case KindAward, KindDeposit, KindReciprocal:
		case KindClawback:
			if i, ok := index[m[MetaDemand]]; ok {
				rec.Activities[i].ClawedBack = true
			}
			return nil
		default:
			return nil
		}
		// Read back what a certificate shows: an unreadable amount is not zero hours.
		hours, err := decimal.NewFromString(m[MetaHours])
		if err != nil {
			return fmt.Errorf("%w: %s %s has unreadable hours %q", ledger.ErrCorrupt, m[MetaKind], tx.ID, m[MetaHours])
		}
		var pts decimal.Decimal
		if m[MetaKind] == KindAward {
			if pts, err = decimal.NewFromString(m[MetaPoints]); err != nil {
				return fmt.Errorf("%w: award %s has unreadable points %q", ledger.ErrCorrupt, tx.ID, m[MetaPoints])
			}
		}
		a := Activity{
			DemandID: m[MetaDemand], Title: m[MetaTitle], Category: m[MetaCategory], Community: m[MetaCommunity],
			Hours: hours, Points: decimal.Zero, AuditedAt: m[MetaAuditedAt], Auditor: m[MetaAuditor],
		}
		i, ok := index[m[MetaDemand]]
		if !ok {
			if len(rec.Activities) >= ServiceRecordMax {
				return errorf(ErrInvalid, "service record of %s: more than %d activities", pid, ServiceRecordMax)
			}
			rec.Activities = append(rec.Activities, a)
			i = len(rec.Activities) - 1
			index[m[MetaDemand]] = i
		}
		if m[MetaKind] == KindAward {
			// An activity that earned both is the award's, whichever was posted first: its
			// hours are those the scheme credited (at most HoursPerActivityMax), where a
			// deposit carries the audited hours.
			a.Points, a.ClawedBack = pts, rec.Activities[i].ClawedBack
			rec.Activities[i] = a
			awardOf[tx.ID] = m[MetaDemand]
		}
		return nil
	})
	if err != nil {
		return ServiceRecord{}, fmt.Errorf("service record of %s: %w", pid, err)
	}
	for _, a := range rec.Activities {
		if a.ClawedBack {
			continue
		}
		rec.Count++
		rec.Hours = rec.Hours.Add(a.Hours)
		rec.Points = rec.Points.Add(a.Points)
	}
	return rec, nil
}

// PairNet is the net of the hours exchanged between two communities' time banks (通存通兑):
// Hours > 0 means A owes B that many hours, < 0 that B owes A.
type PairNet struct {
	A, B  string
	Hours decimal.Decimal
}

// Settlement reports, for every pair of the given banks (on one ledger), the net hours one
// owes the other from their members' withdrawals in each other's community, read from the
// clearing accounts. Pairs whose net is zero (nothing exchanged, or as many hours each way)
// are left out. Each pair's two accounts are read in one view of the ledger, so withdrawals
// made while Settlement runs count in a pair's net entirely or not at all (pairs are read one
// after another: a report taken while members withdraw is per pair, not one instant of the
// whole ledger).
//
// Errors: ErrInvalid (more than 1000 banks, a nil bank, banks on different ledgers or assets,
// a community twice), ledger.ErrCorrupt (a pair's clearing accounts do not mirror each other),
// the ledger's ErrClosed.
func Settlement(ctx context.Context, banks []*TimeBank) ([]PairNet, error) {
	if len(banks) > settlementBanksMax {
		return nil, errorf(ErrInvalid, "settlement of %d banks, at most %d", len(banks), settlementBanksMax)
	}
	for i, b := range banks {
		if b == nil {
			return nil, errorf(ErrInvalid, "settlement: bank %d is nil", i)
		}
	}
	bs := slices.Clone(banks)
	slices.SortFunc(bs, func(a, b *TimeBank) int { return cmp.Compare(a.c.Community, b.c.Community) })
	var out []PairNet
	for i, a := range bs {
		if a.l != bs[0].l || a.c.Asset != bs[0].c.Asset {
			return nil, errorf(ErrInvalid, "settlement: bank %s on another ledger or asset", a.c.Community)
		}
		if i > 0 && bs[i-1].c.Community == a.c.Community {
			return nil, errorf(ErrInvalid, "settlement: community %s twice", a.c.Community)
		}
		for _, b := range bs[i+1:] {
			ab, ba, err := pairBalances(ctx, a.l, a.ClearingAccount(b.c.Community), b.ClearingAccount(a.c.Community))
			if err != nil {
				return nil, fmt.Errorf("settlement: %w", err)
			}
			if !ab.Equal(ba.Neg()) {
				return nil, fmt.Errorf("%w: clearing %s/%s is %s but %s/%s is %s", ledger.ErrCorrupt, a.c.Community, b.c.Community, ab, b.c.Community, a.c.Community, ba)
			}
			if !ab.IsZero() {
				out = append(out, PairNet{A: a.c.Community, B: b.c.Community, Hours: ab})
			}
		}
	}
	return out, nil
}

// pairBalances reads the balances of a pair's two clearing accounts in one view of the ledger
// (ledger.Balances), so that a withdrawal committing meanwhile counts in both or in neither.
// An account not yet opened reads as zero: Withdraw opens both before it posts, so when one is
// missing from the view, nothing was posted to either. When the accounts read alone are not
// both zero, they were opened and posted to since the view, and the pair is read again; if
// that keeps happening (or one holds hours while the other is missing, which only a posting
// outside this package does), the last reads are returned for the caller to judge.
func pairBalances(ctx context.Context, l *ledger.Ledger, x, y ledger.AccountID) (vx, vy decimal.Decimal, err error) {
	for range pairReadsMax {
		bs, err := l.Balances(ctx, []ledger.AccountID{x, y})
		if err == nil {
			return bs[0].Balance, bs[1].Balance, nil
		}
		if !errors.Is(err, ledger.ErrUnknownAccount) {
			return decimal.Zero, decimal.Zero, err
		}
		if vx, err = balanceOrZero(ctx, l, x); err != nil {
			return decimal.Zero, decimal.Zero, err
		}
		if vy, err = balanceOrZero(ctx, l, y); err != nil {
			return decimal.Zero, decimal.Zero, err
		}
		if vx.IsZero() && vy.IsZero() {
			return vx, vy, nil
		}
	}
	return vx, vy, nil
}

// pairReadsMax bounds how often pairBalances reads a pair whose accounts were being opened.
const pairReadsMax = 4

// HoursEntry is one line of a member's time-bank statement.
type HoursEntry struct {
	At           time.Time
	Kind         string          // deposit, reciprocal, withdraw, gift, or "" for a movement made outside this package
	Change       decimal.Decimal // signed: positive when the member received
	Balance      decimal.Decimal // after the entry
	DemandID     string          // the demand it came from (deposits, withdrawals)
	Counterparty string          // the other member of a gift or reciprocal payment
	Relationship string          // of a gift
	ServedIn     string          // the community that served a withdrawal
}

// HoursStatement is one page of a member's statement; NextCursor is empty on the last page.
type HoursStatement struct {
	Holder     string
	Entries    []HoursEntry
	NextCursor string
}

// Statement returns one page of a member's time-bank statement (oldest first): every deposit,
// withdrawal and gift with the demand it came from. Pass the previous page's NextCursor for
// the next; limit 0 means ledger.StatementLimitDefault.
//
// Errors: ErrInvalid (bad holder), the ledger's ErrInvalid (bad cursor or limit),
// ErrUnknownAccount (a member who never held hours) and ErrClosed.
func (tb *TimeBank) Statement(ctx context.Context, holder, cursor string, limit int) (HoursStatement, error) {
	if !ValidHolder(holder) {
		return HoursStatement{}, errorf(ErrInvalid, "statement: holder %q", holder)
	}
	page, err := tb.l.Statement(ctx, tb.MemberAccount(holder), ledger.StatementQuery{Cursor: cursor, Limit: limit})
	if err != nil {
		return HoursStatement{}, fmt.Errorf("statement of %s: %w", holder, err)
	}
	out := HoursStatement{Holder: holder, NextCursor: page.NextCursor, Entries: make([]HoursEntry, 0, len(page.Lines))}
	for _, line := range page.Lines {
		m := line.Metadata
		e := HoursEntry{At: line.EffectiveAt, Kind: m[MetaKind], Change: line.Change, Balance: line.Balance,
			DemandID: m[MetaDemand], Relationship: m[MetaRelationship], ServedIn: m[MetaServedIn]}
		switch m[MetaKind] {
		case KindGift:
			e.Counterparty = m[MetaTo]
			if m[MetaTo] == holder {
				e.Counterparty = m[MetaHolder]
			}
		case KindReciprocal:
			e.Counterparty = m[MetaPayer]
			if m[MetaPayer] == holder {
				e.Counterparty = m[MetaTo]
			}
		}
		out.Entries = append(out.Entries, e)
	}
	return out, nil
}
