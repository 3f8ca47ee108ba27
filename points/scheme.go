package points

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
)

// Limits on a scheme.
const (
	SchemeBytesMax      = 1 << 20 // JSON text of one scheme
	BaseRulesMax        = 1024    // base rules in one scheme
	PointsPerRuleMax    = 1_000_000
	PointsPerHourMax    = 100_000
	MultiplierMax       = 10
	ValidityMonthsMax   = 1200 // a hundred years: longer is a typo
	CapMax              = 1_000_000_000
	UTCOffsetMinutesMax = 14 * 60
	// multiplierScale is the most decimal places of a multiplier (1.0625).
	multiplierScale = 4
)

// Split says how the base points of a demand served by several providers (多对一) are shared.
type Split string

// Splits. The empty Split means SplitByHours.
const (
	SplitByHours Split = "hours" // in proportion to each provider's credited hours
	SplitEqually Split = "equal" // the same share for each approved provider
)

// TeamMode says who receives the points a micro-team (微团队) earns.
type TeamMode string

// Team modes. The empty TeamMode means TeamToTeam.
const (
	TeamToTeam    TeamMode = "team"    // the team's own account
	TeamToMembers TeamMode = "members" // shared equally among its members' accounts
)

// BaseRule gives the base points of a demand by category and kind. An empty Category or Kind
// matches any; the most specific matching rule wins (category and kind, then category, then
// kind, then the rule with neither).
type BaseRule struct {
	Category string          `json:"category,omitempty"` // a category code, e.g. "repair"
	Kind     string          `json:"kind,omitempty"`     // a demand kind code, e.g. "wish" (or 微心愿)
	Points   decimal.Decimal `json:"points"`
}

// Multipliers scale the points of a demand; several apply by product. Zero means 1 (no
// multiplier).
type Multipliers struct {
	Urgent   decimal.Decimal `json:"urgent,omitzero"`   // urgency Urgent or Emergency (急事)
	Priority decimal.Decimal `json:"priority,omitzero"` // a priority resident (重点人群) is served
	BigItem  decimal.Decimal `json:"big_item,omitzero"` // a big item or micro-venture project
}

// Scheme is one community's (or street's) points incentive (积分激励): what an audited
// completion is worth, the caps, the expiry and the account naming. Build it as a Go value or
// load it from JSON with ParseScheme; New validates it.
//
// Points of one provider for one demand = base share + credited hours × PointsPerHour, both
// times the applicable multipliers, rounded down to the asset's scale. The base share is the
// matching BaseRule's points split among the demand's approved providers by Split; credited
// hours are the audited hours, at most HoursPerActivityMax.
type Scheme struct {
	Community           string          `json:"community"`       // account segment naming the community, e.g. "yangguang"
	Asset               string          `json:"asset,omitempty"` // default PTS; at most AssetCodeBytesMax, not ending in "_CAP"
	Scale               int32           `json:"scale,omitempty"`
	Base                []BaseRule      `json:"base,omitempty"`
	PointsPerHour       decimal.Decimal `json:"points_per_hour,omitzero"`
	Multipliers         Multipliers     `json:"multipliers,omitzero"`
	HoursPerActivityMax decimal.Decimal `json:"hours_per_activity_max,omitzero"`
	DailyCap            decimal.Decimal `json:"daily_cap,omitzero"`   // per provider per day; zero: none
	MonthlyCap          decimal.Decimal `json:"monthly_cap,omitzero"` // per provider per month; zero: none
	Split               Split           `json:"split,omitempty"`
	Team                TeamMode        `json:"team,omitempty"`
	// ValidityMonths is how long awarded points stay valid; zero means they never expire.
	ValidityMonths int `json:"validity_months,omitempty"`
	// UTCOffsetMinutes places days and months for caps and expiry periods; nil means +08:00
	// (China Standard Time, no daylight saving).
	UTCOffsetMinutes *int   `json:"utc_offset_minutes,omitempty"`
	Accounts         Naming `json:"accounts,omitzero"`
}

// Defaults of a scheme.
const (
	DefaultAsset            = "PTS"
	DefaultScale            = 2
	DefaultUTCOffsetMinutes = 8 * 60
)

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// ParseScheme reads a scheme from JSON (at most SchemeBytesMax bytes, unknown fields refused,
// a field named twice in one object refused, in any case: encoding/json matches names without
// case and keeps the last) and validates it.
//
// Errors: ErrInvalidScheme.
func ParseScheme(data []byte) (Scheme, error) {
	if len(data) > SchemeBytesMax {
		return Scheme{}, errorf(ErrInvalidScheme, "%d bytes of JSON, at most %d", len(data), SchemeBytesMax)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Scheme
	if err := dec.Decode(&s); err != nil {
		return Scheme{}, errorf(ErrInvalidScheme, "json: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Scheme{}, errorf(ErrInvalidScheme, "json: trailing data after the scheme")
	}
	if err := duplicateKey(data); err != nil {
		return Scheme{}, err
	}
	if err := s.Validate(); err != nil {
		return Scheme{}, err
	}
	return s, nil
}

// Validate reports whether s is a usable scheme: the community a valid account segment, the
// asset code valid with a scale in 0..9, rates and caps non-negative within their limits and
// within the asset's scale, base rules with known kinds, well-formed categories and no two
// rules for the same (category, kind), multipliers within 0..MultiplierMax, a known split and
// team mode, a validity and a UTC offset within their limits, and account templates that
// render valid account ids of which no two templates can name the same one (a holder
// template that could name the shop's account, say).
//
// Errors: ErrInvalidScheme.
func (s Scheme) Validate() error {
	_, err := s.normalized()
	return err
}

// normalized validates s and returns it with every default filled in.
func (s Scheme) normalized() (Scheme, error) {
	if !ValidHolder(s.Community) {
		return s, errorf(ErrInvalidScheme, "community %q: want 1..64 of [A-Za-z0-9_.-]", s.Community)
	}
	if s.Asset == "" {
		s.Asset = DefaultAsset
		if s.Scale == 0 {
			s.Scale = DefaultScale
		}
	}
	if err := validAsset(s.Asset); err != nil {
		return s, errorf(ErrInvalidScheme, "asset: %v", err)
	}
	if s.Scale < 0 || s.Scale > ledger.AssetScaleMax {
		return s, errorf(ErrInvalidScheme, "scale %d, want 0..%d", s.Scale, ledger.AssetScaleMax)
	}
	amount := func(name string, v decimal.Decimal, maxValue int64) error {
		if !zeroOrWithin(v, s.Scale, maxValue) {
			return errorf(ErrInvalidScheme, "%s %s, want 0..%d with at most %d decimal places", name, decimalText(v), maxValue, s.Scale)
		}
		return nil
	}
	if len(s.Base) > BaseRulesMax {
		return s, errorf(ErrInvalidScheme, "%d base rules, at most %d", len(s.Base), BaseRulesMax)
	}
	seen := make(map[[2]string]bool, len(s.Base))
	base := make([]BaseRule, len(s.Base))
	for i, r := range s.Base {
		if r.Category != "" && !codeRE.MatchString(r.Category) {
			return s, errorf(ErrInvalidScheme, "base rule %d: category %q", i, r.Category)
		}
		if r.Kind != "" {
			k, err := catalog.ParseDemandKind(r.Kind)
			if err != nil {
				return s, errorf(ErrInvalidScheme, "base rule %d: kind %q", i, r.Kind)
			}
			r.Kind = k.String()
		}
		if err := amount(fmt.Sprintf("base rule %d points", i), r.Points, PointsPerRuleMax); err != nil {
			return s, err
		}
		k := [2]string{r.Category, r.Kind}
		if seen[k] {
			return s, errorf(ErrInvalidScheme, "base rule %d: a second rule for category %q kind %q", i, r.Category, r.Kind)
		}
		seen[k] = true
		base[i] = r
	}
	s.Base = base
	if err := amount("points per hour", s.PointsPerHour, PointsPerHourMax); err != nil {
		return s, err
	}
	// In a fixed order, so that a scheme with several bad multipliers is refused with the same
	// words every time.
	for _, nm := range [...]struct {
		name string
		m    decimal.Decimal
	}{{"urgent", s.Multipliers.Urgent}, {"priority", s.Multipliers.Priority}, {"big item", s.Multipliers.BigItem}} {
		name, m := nm.name, nm.m
		if m.Exponent() < -multiplierScale || !zeroOrWithin(m, multiplierScale, MultiplierMax) {
			return s, errorf(ErrInvalidScheme, "%s multiplier %s, want 0..%d with at most %d decimal places", name, decimalText(m), MultiplierMax, multiplierScale)
		}
	}
	if s.HoursPerActivityMax.IsZero() {
		s.HoursPerActivityMax = decimal.NewFromInt(catalog.HoursPerActivityMax)
	}
	if !amountWithin(s.HoursPerActivityMax, catalog.HoursScale, catalog.HoursPerActivityMax) {
		return s, errorf(ErrInvalidScheme, "hours per activity max %s, want 0..%d with at most %d decimal places", decimalText(s.HoursPerActivityMax), catalog.HoursPerActivityMax, catalog.HoursScale)
	}
	if err := amount("daily cap", s.DailyCap, CapMax); err != nil {
		return s, err
	}
	if err := amount("monthly cap", s.MonthlyCap, CapMax); err != nil {
		return s, err
	}
	switch s.Split {
	case "":
		s.Split = SplitByHours
	case SplitByHours, SplitEqually:
	default:
		return s, errorf(ErrInvalidScheme, "split %q, want %q or %q", s.Split, SplitByHours, SplitEqually)
	}
	switch s.Team {
	case "":
		s.Team = TeamToTeam
	case TeamToTeam, TeamToMembers:
	default:
		return s, errorf(ErrInvalidScheme, "team %q, want %q or %q", s.Team, TeamToTeam, TeamToMembers)
	}
	if s.ValidityMonths < 0 || s.ValidityMonths > ValidityMonthsMax {
		return s, errorf(ErrInvalidScheme, "validity %d months, want 0..%d", s.ValidityMonths, ValidityMonthsMax)
	}
	if s.UTCOffsetMinutes == nil {
		v := DefaultUTCOffsetMinutes
		s.UTCOffsetMinutes = &v
	} else if *s.UTCOffsetMinutes < -UTCOffsetMinutesMax || *s.UTCOffsetMinutes > UTCOffsetMinutesMax {
		return s, errorf(ErrInvalidScheme, "UTC offset %d minutes, want within ±%d", *s.UTCOffsetMinutes, UTCOffsetMinutesMax)
	}
	s.Accounts = s.Accounts.withDefaults()
	if err := s.Accounts.validate(s.Community, s.Asset); err != nil {
		return s, err
	}
	if err := render(s.Accounts.Holder, s.Community, "h", s.Asset, "p", "o").Validate(); err != nil {
		return s, errorf(ErrInvalidScheme, "holder account: %v", err)
	}
	return s, nil
}

// duplicateKey reports an object of the JSON text data (already decoded once, so well-formed)
// that names one key twice, comparing keys as encoding/json matches them to fields: without
// case (Unicode simple folding). The decoder would keep the last value without a word, so a
// cap written twice would be taken from whichever came last.
func duplicateKey(data []byte) error {
	type frame struct {
		keys    map[string]struct{} // folded keys of an object; nil for an array
		wantKey bool
	}
	var stack []frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].keys != nil {
			stack[n-1].wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	// The decoder bounds the nesting; SchemeBytesMax bounds the tokens.
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // io.EOF, or the trailing data ParseScheme refused already
		}
		if n := len(stack); n > 0 && stack[n-1].keys != nil && stack[n-1].wantKey {
			if key, ok := tok.(string); ok {
				f := foldKey(key)
				if _, dup := stack[n-1].keys[f]; dup {
					return errorf(ErrInvalidScheme, "json: key %q twice in one object", key)
				}
				stack[n-1].keys[f] = struct{}{}
				stack[n-1].wantKey = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{keys: map[string]struct{}{}, wantKey: true})
		case json.Delim('['):
			stack = append(stack, frame{})
		case json.Delim('}'), json.Delim(']'):
			if len(stack) == 0 {
				return nil
			}
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			valueDone()
		}
		if len(stack) == 0 {
			return nil // the end of the one value ParseScheme decoded
		}
	}
}

// foldKey maps a key to one representative of the keys encoding/json takes for the same
// field: each rune replaced by the smallest rune of its simple-folding orbit.
func foldKey(key string) string {
	b := make([]byte, 0, len(key))
	for _, r := range key {
		for {
			next := unicode.SimpleFold(r)
			if next <= r {
				r = next
				break
			}
			r = next
		}
		b = utf8.AppendRune(b, r)
	}
	return string(b)
}

func (s *Scheme) zone() *time.Location {
	return time.FixedZone("scheme", *s.UTCOffsetMinutes*60)
}

// baseIndex finds a demand's base points by the most specific matching rule (category and
// kind, then category, then kind, then neither) in at most four map lookups, however many
// rules a scheme has. A normalized scheme has at most one rule per (category, kind).
type baseIndex map[[2]string]decimal.Decimal

func newBaseIndex(rules []BaseRule) baseIndex {
	ix := make(baseIndex, len(rules))
	for _, r := range rules {
		ix[[2]string{r.Category, r.Kind}] = r.Points
	}
	return ix
}

// points returns the base points of a demand, zero when no rule matches.
func (ix baseIndex) points(category string, kind catalog.DemandKind) decimal.Decimal {
	k := kind.String()
	// Most specific first. With an empty category the first two keys are the last two, which
	// is still the right order: only rules without a category match it.
	for _, key := range [...][2]string{{category, k}, {category, ""}, {"", k}, {"", ""}} {
		if p, ok := ix[key]; ok {
			return p
		}
	}
	return decimal.Zero
}

// multiplier returns the product of the multipliers that apply to a demand, and false when
// none does (the product is 1 and awards skip multiplying by it).
func (s *Scheme) multiplier(d catalog.Demand, bigItem bool) (decimal.Decimal, bool) {
	var m decimal.Decimal
	applied := false
	apply := func(on bool, v decimal.Decimal) {
		if !on || v.IsZero() {
			return
		}
		if applied {
			m = m.Mul(v)
		} else {
			m, applied = v, true
		}
	}
	apply(d.Urgency >= catalog.UrgencyUrgent, s.Multipliers.Urgent)
	apply(d.Priority.Any(), s.Multipliers.Priority)
	apply(bigItem || d.Kind == catalog.MajorItem || d.Kind == catalog.Project, s.Multipliers.BigItem)
	return m, applied
}
