package points

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
)

// Placeholders in account templates. Each must fill a whole ':'-separated segment.
const (
	PlaceCommunity = "{community}"
	PlaceHolder    = "{holder}"
	PlaceAsset     = "{asset}"
	PlacePeriod    = "{period}"
	PlaceOther     = "{other}"
)

// Naming is the account naming convention of a scheme or a time bank: a template per kind of
// account, with placeholders for the community, the holder (a provider or resident), the asset,
// a period (quota accounts) and another community (clearing accounts). The zero value of a
// field takes the default shown on DefaultNaming. Every placeholder fills a whole segment so
// that a holder can be read back from an account id (expiry and leaderboards scan the ledger
// and must recognise holder accounts), and no two templates may be able to name the same
// account for any holder, period or other community: the shop's account must never be some
// holder's too.
type Naming struct {
	Issuer   string `json:"issuer,omitempty"`   // where awarded points come from (Unbounded)
	Holder   string `json:"holder,omitempty"`   // one account per holder per asset
	Shop     string `json:"shop,omitempty"`     // the points shop (积分超市) receives redeemed points
	Expiry   string `json:"expiry,omitempty"`   // expired points end here
	Donation string `json:"donation,omitempty"` // hours over the storage cap end here
	Debt     string `json:"debt,omitempty"`     // what a holder owes after a clawback of spent points
	Quota    string `json:"quota,omitempty"`    // cap accounts: one per holder per day or month
	Pool     string `json:"pool,omitempty"`     // the time bank's pool (Unbounded)
	Clearing string `json:"clearing,omitempty"` // inter-community clearing (通存通兑), one per pair: names {community} and {other}
	Stock    string `json:"stock,omitempty"`    // shop stock: one account per item (units)
}

// DefaultNaming is the convention used for every empty field of a Naming.
var DefaultNaming = Naming{
	Issuer:   "community:{community}:issuer:{asset}",
	Holder:   "community:{community}:member:{holder}:{asset}",
	Shop:     "community:{community}:shop:{asset}",
	Expiry:   "community:{community}:expired:{asset}",
	Donation: "community:{community}:donation:{asset}",
	Debt:     "community:{community}:debt:{holder}:{asset}",
	Quota:    "community:{community}:quota:{holder}:{period}:{asset}",
	Pool:     "community:{community}:pool:{asset}",
	Clearing: "community:{community}:clearing:{other}:{asset}",
	Stock:    "community:{community}:stock:{holder}",
}

func (n Naming) withDefaults() Naming {
	set := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	set(&n.Issuer, DefaultNaming.Issuer)
	set(&n.Holder, DefaultNaming.Holder)
	set(&n.Shop, DefaultNaming.Shop)
	set(&n.Expiry, DefaultNaming.Expiry)
	set(&n.Donation, DefaultNaming.Donation)
	set(&n.Debt, DefaultNaming.Debt)
	set(&n.Quota, DefaultNaming.Quota)
	set(&n.Pool, DefaultNaming.Pool)
	set(&n.Clearing, DefaultNaming.Clearing)
	set(&n.Stock, DefaultNaming.Stock)
	return n
}

// validate checks every template: it renders to a valid account id, placeholders fill whole
// segments, the templates that name one account per holder contain {holder} (and {period}
// for quota accounts), the clearing template contains {community} and {other}, no template
// has a placeholder its accounts are not named with ({community} and {asset} fit all), and no two
// templates can name the same account, for the community and asset given (the accounts of the
// shop's stock and the cap accounts take their own assets, STOCK and the cap asset).
func (n Naming) validate(community, asset string) error {
	type tmpl struct {
		name, t string
		need    []string
		asset   string
	}
	quota := quotaAssetOf(asset)
	ts := []tmpl{
		{"issuer", n.Issuer, nil, asset}, {"holder", n.Holder, []string{PlaceHolder}, asset},
		{"shop", n.Shop, nil, asset}, {"expiry", n.Expiry, nil, asset}, {"donation", n.Donation, nil, asset},
		{"debt", n.Debt, []string{PlaceHolder}, asset}, {"quota", n.Quota, []string{PlaceHolder, PlacePeriod}, quota},
		// A clearing account belongs to one pair of communities: without {community}, every
		// community's account with one other community would be the same account.
		{"pool", n.Pool, nil, asset}, {"clearing", n.Clearing, []string{PlaceCommunity, PlaceOther}, asset},
		{"stock", n.Stock, []string{PlaceHolder}, StockAsset},
	}
	seen := map[string]string{}
	for _, t := range ts {
		for _, seg := range strings.Split(t.t, ":") {
			if strings.Contains(seg, "{") && !isPlaceholder(seg) {
				return errorf(ErrInvalidScheme, "account template %s %q: a placeholder must fill a whole segment", t.name, t.t)
			}
			// A placeholder the template's accounts never fill would render as an empty
			// segment (or stay as literal text): every account of it would be invalid.
			if isPlaceholder(seg) && seg != PlaceCommunity && seg != PlaceAsset && !slices.Contains(t.need, seg) {
				return errorf(ErrInvalidScheme, "account template %s %q: %s is not filled in for %s accounts", t.name, t.t, seg, t.name)
			}
		}
		for _, p := range t.need {
			if !strings.Contains(t.t, p) {
				return errorf(ErrInvalidScheme, "account template %s %q: must contain %s", t.name, t.t, p)
			}
		}
		id := render(t.t, "c", "h", "A", "p", "o")
		if err := id.Validate(); err != nil {
			return errorf(ErrInvalidScheme, "account template %s %q: %v", t.name, t.t, err)
		}
		// The shape (placeholders kept, literals kept) must be unique, or two kinds of account
		// could collide.
		if prev, dup := seen[t.t]; dup {
			return errorf(ErrInvalidScheme, "account templates %s and %s are the same", prev, t.name)
		}
		seen[t.t] = t.name
	}
	// Different templates can still name one account: "community:{community}:{holder}:{asset}"
	// names the shop's own account for a holder called "shop", whose points then mix with the
	// shop's (and expiry would take the shop's points for that holder's).
	for i := range ts {
		a := templateSegments(ts[i].t, community, ts[i].asset)
		for j := i + 1; j < len(ts); j++ {
			if id, ok := overlap(a, templateSegments(ts[j].t, community, ts[j].asset)); ok {
				return errorf(ErrInvalidScheme, "account templates %s %q and %s %q can name the same account (%s)",
					ts[i].name, ts[i].t, ts[j].name, ts[j].t, id)
			}
		}
	}
	return nil
}

// templateSegments splits a template into its segments with the community and the asset
// filled in; "" stands for a placeholder that takes any segment ({holder}, {period},
// {other}), since holders, periods and other communities are any valid segment.
func templateSegments(t, community, asset string) []string {
	// Segments hold no ':' (community and asset are valid segments), so splitting the
	// rendering gives back one entry per template segment.
	return strings.Split(string(render(t, community, "", asset, "", "")), ":")
}

// overlap reports whether two templates' segments can render the same account id, and one
// such id: the same number of segments, and at each position equal text or a placeholder.
func overlap(a, b []string) (string, bool) {
	if len(a) != len(b) {
		return "", false
	}
	id := make([]string, len(a))
	for i := range a {
		switch {
		case a[i] == "" && b[i] == "":
			id[i] = "x"
		case a[i] == "":
			id[i] = b[i]
		case b[i] == "" || a[i] == b[i]:
			id[i] = a[i]
		default:
			return "", false
		}
	}
	return strings.Join(id, ":"), true
}

func isPlaceholder(seg string) bool {
	switch seg {
	case PlaceCommunity, PlaceHolder, PlaceAsset, PlacePeriod, PlaceOther:
		return true
	}
	return false
}

func render(t, community, holder, asset, period, other string) ledger.AccountID {
	segs := strings.Split(t, ":")
	for i, s := range segs {
		switch s {
		case PlaceCommunity:
			segs[i] = community
		case PlaceHolder:
			segs[i] = holder
		case PlaceAsset:
			segs[i] = asset
		case PlacePeriod:
			segs[i] = period
		case PlaceOther:
			segs[i] = other
		}
	}
	return ledger.AccountID(strings.Join(segs, ":"))
}

// matcher recognises the accounts of one template for one community and asset and reads the
// holder back from them.
type matcher struct {
	segs     []string // literal segments; "" where the holder goes
	holderAt int
}

func newMatcher(t, community, asset string) matcher {
	segs := strings.Split(t, ":")
	m := matcher{holderAt: -1}
	for i, s := range segs {
		switch s {
		case PlaceCommunity:
			segs[i] = community
		case PlaceAsset:
			segs[i] = asset
		case PlaceHolder:
			segs[i] = ""
			m.holderAt = i
		}
	}
	m.segs = segs
	return m
}

// holder returns the holder of id, or false if id is not an account of the template.
func (m matcher) holder(id ledger.AccountID) (string, bool) {
	s := string(id)
	out := ""
	for i, want := range m.segs {
		j := strings.IndexByte(s, ':')
		seg := s
		if j < 0 {
			if i != len(m.segs)-1 {
				return "", false
			}
		} else {
			if i == len(m.segs)-1 {
				return "", false
			}
			seg, s = s[:j], s[j+1:]
		}
		if i == m.holderAt {
			out = seg
		} else if seg != want {
			return "", false
		}
	}
	return out, true
}

// ValidHolder reports whether h can name a holder: one account-id segment,
// [A-Za-z0-9_.-]{1,64}.
func ValidHolder(h string) bool {
	if len(h) == 0 || len(h) > ledger.AccountIDSegmentBytesMax {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// PersonHolder returns the holder id of a resident identified by the community's opaque id
// (catalog.RequesterRef.ID, catalog.Provider.PersonID, catalog.Member.PersonID). The same
// person gets the same holder whether they serve (as a volunteer or a team member) or are
// served (time-bank withdrawals), so one account holds all their points or hours. Ids that do
// not fit an account segment are replaced by a hash of them.
func PersonHolder(personID string) string {
	if len(personID) <= 60 && ValidHolder(personID) {
		return "p-" + personID
	}
	sum := sha256.Sum256([]byte(personID))
	return "h-" + hex.EncodeToString(sum[:20])
}

// ProviderHolder returns the holder id of a provider: its person's holder for a volunteer with
// a person id, otherwise (teams, units, social organisations) the provider id.
func ProviderHolder(p catalog.Provider) string {
	if p.Kind == catalog.Volunteer && p.PersonID != "" {
		return PersonHolder(p.PersonID)
	}
	return providerSegment(p.ID)
}

func providerSegment(id uuid.UUID) string { return id.String() }

// compiled is a template with the community and asset filled in, rendered by concatenation:
// the hot paths (a holder's account, a cap account) build an id without splitting strings.
type compiled struct {
	parts []string // literal text; slots between them
	slots []int    // 0: holder, 1: period
}

func compile(t, community, asset string) compiled {
	var c compiled
	lit := ""
	for i, seg := range strings.Split(t, ":") {
		if i > 0 {
			lit += ":"
		}
		switch seg {
		case PlaceHolder, PlacePeriod:
			c.parts = append(c.parts, lit)
			lit = ""
			if seg == PlaceHolder {
				c.slots = append(c.slots, 0)
			} else {
				c.slots = append(c.slots, 1)
			}
		case PlaceCommunity:
			lit += community
		case PlaceAsset:
			lit += asset
		default:
			lit += seg
		}
	}
	c.parts = append(c.parts, lit)
	return c
}

func (c *compiled) render(holder, period string) ledger.AccountID {
	n := len(holder) + len(period)
	for _, p := range c.parts {
		n += len(p)
	}
	var b strings.Builder
	b.Grow(n)
	for i, p := range c.parts {
		b.WriteString(p)
		if i < len(c.slots) {
			if c.slots[i] == 0 {
				b.WriteString(holder)
			} else {
				b.WriteString(period)
			}
		}
	}
	return ledger.AccountID(b.String())
}

// appendTo appends the id rendered for holder and period to b.
func (c *compiled) appendTo(b []byte, holder, period string) []byte {
	for i, p := range c.parts {
		b = append(b, p...)
		if i < len(c.slots) {
			if c.slots[i] == 0 {
				b = append(b, holder...)
			} else {
				b = append(b, period...)
			}
		}
	}
	return b
}
