package catalog

import (
	"strings"
	"time"

	"github.com/google/uuid"
)

// ProviderKind is which kind of resource a provider is.
type ProviderKind uint8

// Provider kinds. The zero value is not a kind.
const (
	// Volunteer is one person: a resident volunteer, a party member (党员), an in-service party
	// member registered at the community (在职党员双报到).
	Volunteer ProviderKind = iota + 1
	// Team is a micro-team (微团队): a small group such as a haircut team or a repair team,
	// acting under one name with its members listed.
	Team
	// Unit is a co-building unit (共建单位 / 驻区单位): an agency, firm or organisation in the
	// area that registered with the community (双报到) and claims items by its functions
	// (职能分工): legal aid, health, urban management.
	Unit
	// SocialOrg is a social organisation (社会组织): a registered non-profit that runs services
	// and micro-venture projects.
	SocialOrg
)

var providerKindNames = [...]string{Volunteer: "volunteer", Team: "team", Unit: "unit", SocialOrg: "social_org"}

// String returns the kind's English code.
func (k ProviderKind) String() string {
	if k >= Volunteer && k <= SocialOrg {
		return providerKindNames[k]
	}
	return "unknown"
}

// Valid reports whether k is one of the defined kinds.
func (k ProviderKind) Valid() bool { return k >= Volunteer && k <= SocialOrg }

// Organisation reports whether k is a team, unit or social organisation rather than a person.
func (k ProviderKind) Organisation() bool { return k == Team || k == Unit || k == SocialOrg }

// ParseProviderKind accepts the English code or the Chinese name (志愿者, 微团队, 共建单位,
// 社会组织).
//
// Errors: ErrInvalid.
func ParseProviderKind(s string) (ProviderKind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "volunteer", "志愿者":
		return Volunteer, nil
	case "team", "微团队":
		return Team, nil
	case "unit", "共建单位", "驻区单位":
		return Unit, nil
	case "social_org", "社会组织":
		return SocialOrg, nil
	}
	return 0, errorf(ErrInvalid, "provider kind %q", s)
}

// Function is a co-building unit's area of responsibility (职能), a code like a Skill.
type Function string

// Common functions of co-building units. Any code of the Skill pattern is accepted.
const (
	FunctionLegalAid        Function = "legal_aid"        // 法律援助
	FunctionHealth          Function = "health"           // 医疗卫生
	FunctionUrbanManagement Function = "urban_management" // 城市管理
	FunctionEducation       Function = "education"        // 教育
	FunctionCulture         Function = "culture"          // 文化体育
	FunctionEmployment      Function = "employment"       // 就业服务
	FunctionPublicSecurity  Function = "public_security"  // 治安
	FunctionCivilAffairs    Function = "civil_affairs"    // 民政
	FunctionHousing         Function = "housing"          // 住建物业
	FunctionEnvironment     Function = "environment"      // 生态环境
	FunctionEmergency       Function = "emergency"        // 应急
)

// Member is one person in a micro-team.
type Member struct {
	PersonID string // opaque resident id, as RequesterRef.ID (no surrounding whitespace)
	Name     string // kept as Provider.Name is
}

// ProviderFlags describe a provider's standing.
type ProviderFlags uint8

// Provider flags; combine with |.
const (
	FlagPartyMember    ProviderFlags = 1 << iota // party member (党员)
	FlagInServiceParty                           // in-service party member registered at the community (在职党员双报到)
	FlagProfessional                             // qualified professional: lawyer, doctor, social worker (愁事专业匹配)
	flagsAll           = FlagPartyMember | FlagInServiceParty | FlagProfessional
)

// Has reports whether every flag of g is set in f.
func (f ProviderFlags) Has(g ProviderFlags) bool { return f&g == g }

// Limits on a provider.
const (
	CapacityMax     = 1000 // concurrent demands of one provider (一对多); units can be large
	MembersMax      = 500
	FunctionsMax    = 16
	ServiceAreasMax = 64
	// RatingCountMax bounds the ratings a provider is registered with (RatingCount): far more
	// than any roster brings, and far below where RatingMax·RatingCount, or the RatingSum that
	// Rate adds to, overflows an int, even a 32-bit one (the package builds for 386 and arm).
	RatingCountMax = 1 << 28
)

// Provider is one entry on the resource list (资源清单): a volunteer, micro-team, co-building
// unit or social organisation that can serve demands.
type Provider struct {
	ID        uuid.UUID // set by the catalog on registration
	Kind      ProviderKind
	Name      string     // kept trimmed, LF line ends (as CSV import reads it)
	PersonID  string     // a volunteer's opaque resident id (as RequesterRef.ID, no surrounding whitespace); "" for organisations
	Members   []Member   // Team only
	Functions []Function // Unit (and SocialOrg) only
	Skills    []Skill
	Home      GridPath    // the grid node it belongs to (at least the street)
	At        Coordinates // zero: unknown
	// ServiceArea lists the grid subtrees it serves; empty means the community of Home (or
	// Home itself when Home is a street).
	ServiceArea  []GridPath
	Capacity     int // demands it may serve at once (一对多), never below Active (UpdateProvider); 0 pauses it
	Availability WeeklyAvailability
	Flags        ProviderFlags
	// RatingSum and RatingCount accumulate the ratings of the demands it served (Rate adds
	// to them); the average is RatingSum/RatingCount. RegisterProvider keeps the ones a
	// caller brings from an earlier record; UpdateProvider keeps the stored ones.
	RatingSum   int
	RatingCount int

	// Maintained by the catalog.
	Active    int    // demands it holds an active claim on (its load)
	Version   uint64 // starts at 1, +1 on every change
	CreatedAt time.Time
	UpdatedAt time.Time
}

// RatingAverage is the mean rating, 0 if never rated.
func (p Provider) RatingAverage() float64 {
	if p.RatingCount == 0 {
		return 0
	}
	return float64(p.RatingSum) / float64(p.RatingCount)
}

// HasSkills reports whether p has every one of skills.
func (p Provider) HasSkills(skills []Skill) bool {
	for _, s := range skills {
		found := false
		for _, t := range p.Skills {
			if s == t {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Serves reports whether g lies in p's service area.
func (p Provider) Serves(g GridPath) bool {
	if len(p.ServiceArea) == 0 {
		return g.Within(p.Home.Community())
	}
	for _, a := range p.ServiceArea {
		if g.Within(a) {
			return true
		}
	}
	return false
}

// HasPerson reports whether the resident with the given opaque id is this provider or one of
// its members.
func (p Provider) HasPerson(personID string) bool {
	if personID == "" {
		return false
	}
	if p.PersonID == personID {
		return true
	}
	for _, m := range p.Members {
		if m.PersonID == personID {
			return true
		}
	}
	return false
}

// Clone returns a deep copy of p.
func (p Provider) Clone() Provider {
	p.Members = cloneSlice(p.Members)
	p.Functions = cloneSlice(p.Functions)
	p.Skills = cloneSlice(p.Skills)
	p.ServiceArea = cloneSlice(p.ServiceArea)
	return p
}

// WeeklyAvailability is the hours of the week a provider can serve: bit day*24+hour, where day
// is a time.Weekday (Sunday = 0) and hour 0..23, in local time: the wall clock of
// ImportLocation. The zero value means "not stated", which the catalog and the matcher treat
// as available at any time.
type WeeklyAvailability [3]uint64

// HoursPerWeek is the number of hour slots in a week.
const HoursPerWeek = 7 * 24

// Set marks the hours [fromHour, toHour) of day as available. Out-of-range arguments are
// clamped to the day.
func (a *WeeklyAvailability) Set(day time.Weekday, fromHour, toHour int) {
	fromHour, toHour = max(0, fromHour), min(24, toHour)
	if day < time.Sunday || day > time.Saturday {
		return
	}
	for h := fromHour; h < toHour; h++ {
		word, mask := hourSlot(day, h)
		a[word] |= mask
	}
}

// hourSlot is where the hour of day sits in a WeeklyAvailability: bit day*24+hour.
func hourSlot(day time.Weekday, hour int) (word int, mask uint64) {
	bit := int(day)*24 + hour
	return bit / 64, 1 << (bit % 64)
}

// Has reports whether the hour of day is available. The zero value has every hour.
func (a WeeklyAvailability) Has(day time.Weekday, hour int) bool {
	if a.IsZero() {
		return true
	}
	if day < time.Sunday || day > time.Saturday || hour < 0 || hour > 23 {
		return false
	}
	word, mask := hourSlot(day, hour)
	return a[word]&mask != 0
}

// IsZero reports whether no hours were stated (meaning any time).
func (a WeeklyAvailability) IsZero() bool { return a == WeeklyAvailability{} }

// Hours is the number of available hour slots in the week (HoursPerWeek for the zero value).
func (a WeeklyAvailability) Hours() int {
	if a.IsZero() {
		return HoursPerWeek
	}
	n := 0
	for _, w := range a {
		for ; w != 0; w &= w - 1 {
			n++
		}
	}
	return n
}

// hoursInWindowMax bounds the walk over a window: one week covers every slot.
const hoursInWindowMax = HoursPerWeek

// Overlaps reports whether the provider is available during at least one hour of w (see
// TimeWindow.HourSlots). A window open on either side always overlaps; an empty window
// (End == Start) overlaps if its instant falls in an available hour. The walk stops at the
// first available hour: matching calls Overlaps for every provider and demand it weighs.
func (a WeeklyAvailability) Overlaps(w TimeWindow) bool {
	if a.IsZero() || w.Start.IsZero() || w.End.IsZero() {
		return true
	}
	_, hit := w.walkHours(a)
	return hit
}

// HourSlots returns the hour slots of the week that w touches, from w.Start's hour up to
// w.End (a week at most), as WeeklyAvailability's bits. They are read on ImportLocation's wall
// clock whatever w's own zone: the catalog keeps times in UTC, and reading a stored window's
// hours there put a Saturday-morning wish in China at 02:00. An empty window (End == Start,
// which TimeWindow.Validate accepts) is the instant Start and touches Start's hour, on the
// hour as at half past. Unlike an availability, the zero result means no slot: a window
// open on either side.
func (w TimeWindow) HourSlots() WeeklyAvailability {
	slots, _ := w.walkHours(WeeklyAvailability{})
	return slots
}

// walkHours is the one walk over w's hour slots (see HourSlots): it returns the slots walked
// and stops early, reporting hit, at the first slot in stop.
func (w TimeWindow) walkHours(stop WeeklyAvailability) (slots WeeklyAvailability, hit bool) {
	if w.Start.IsZero() || w.End.IsZero() {
		return slots, false
	}
	// Back to the start of the local hour. Not Truncate(time.Hour): that rounds absolute time,
	// which in a zone whose offset is not whole hours (UTC+5:30) is half past the local hour.
	t := w.Start.In(localZone())
	t = t.Add(-(time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())))
	// An instant (End == Start) on the hour is in no slot by t.Before alone: walking none made
	// matching find it in conflict with every provider who states hours.
	for i := 0; i < hoursInWindowMax && (t.Before(w.End) || (i == 0 && w.End.Equal(w.Start))); i++ {
		word, mask := hourSlot(t.Weekday(), t.Hour())
		if stop[word]&mask != 0 {
			return slots, true
		}
		slots[word] |= mask
		t = t.Add(time.Hour)
	}
	return slots, false
}
