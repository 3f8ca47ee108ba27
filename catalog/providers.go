package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// RegisterProvider adds a provider to the resource list (资源清单). The catalog sets the id,
// version, load and timestamps. The name and the members' names are kept trimmed of surrounding
// whitespace, with LF line ends, as an import of the provider's export reads them back.
//
// The rating (RatingSum, RatingCount) is kept as given, so that a provider moved from an
// earlier roster or system keeps its 评单 history; a new provider is registered with both
// zero. It is only checked to be ratings of RatingMin..RatingMax each. From then on only Rate
// changes it: UpdateProvider keeps the stored rating, and ImportProviders, whose sheet has no
// rating sum or count, registers every provider unrated.
//
// Errors: ErrInvalid (any field out of its limits, a name that is only whitespace, a person id
// or member id with surrounding whitespace or a CRLF, a negative RatingCount or a RatingSum
// outside RatingMin·RatingCount..RatingMax·RatingCount, a RatingCount above RatingCountMax, a
// bad actor), ErrAlreadyExists if the id source repeats an id.
func (c *Catalog) RegisterProvider(ctx context.Context, p Provider, actor string) (Provider, error) {
	if err := (Act{Actor: actor}).validate("register provider"); err != nil {
		return Provider{}, err
	}
	p = p.Clone()
	if err := normaliseProvider(&p); err != nil {
		return Provider{}, fmt.Errorf("register provider %q: %w", p.Name, err)
	}
	now := c.clock()
	id, err := c.id("register provider")
	if err != nil {
		return Provider{}, err
	}
	p.ID, p.Version, p.Active, p.CreatedAt, p.UpdatedAt = id, 1, 0, now, now
	if err := c.store.Apply(ctx, Change{Providers: []Provider{p}}); err != nil {
		return Provider{}, fmt.Errorf("register provider %s: %w", p.ID, err)
	}
	return p, nil
}

// ValidateProvider reports whether p would be accepted by RegisterProvider.
//
// Errors: ErrInvalid.
func ValidateProvider(p Provider) error {
	p = p.Clone()
	return normaliseProvider(&p)
}

// normaliseProvider trims p's free text as normText does and validates it. p must be the
// caller's own copy (Clone): the members are trimmed in place.
func normaliseProvider(p *Provider) error {
	p.Name = normText(p.Name)
	for i := range p.Members {
		p.Members[i].Name = normText(p.Members[i].Name)
	}
	return validateProvider(*p)
}

func validateProvider(p Provider) error {
	if !p.Kind.Valid() {
		return errorf(ErrInvalid, "kind %d", p.Kind)
	}
	if err := checkText("name", p.Name, 1, NameBytesMax); err != nil {
		return err
	}
	if err := checkID("person id", p.PersonID, 0, RefIDBytesMax); err != nil {
		return err
	}
	if len(p.Members) > 0 && p.Kind != Team {
		return errorf(ErrInvalid, "members on a %s: only teams have members", p.Kind)
	}
	if len(p.Members) > MembersMax {
		return errorf(ErrInvalid, "%d members, max %d", len(p.Members), MembersMax)
	}
	for _, m := range p.Members {
		if err := checkID("member person id", m.PersonID, 1, RefIDBytesMax); err != nil {
			return err
		}
		if err := checkText("member name", m.Name, 0, NameBytesMax); err != nil {
			return err
		}
		// The spreadsheet's members cell is "id:name;id:name": these would split on import.
		if strings.ContainsAny(m.PersonID, listSeparators+":") || strings.ContainsAny(m.Name, listSeparators) {
			return errorf(ErrInvalid, "member %q %q: holds a list separator (%s) or ':' in the id", m.PersonID, m.Name, listSeparators)
		}
	}
	if len(p.Functions) > FunctionsMax {
		return errorf(ErrInvalid, "%d functions, max %d", len(p.Functions), FunctionsMax)
	}
	for _, f := range p.Functions {
		if err := Skill(f).Validate(); err != nil {
			return errorf(ErrInvalid, "function %q", f)
		}
	}
	if err := checkSkills(p.Skills); err != nil {
		return err
	}
	if err := p.Home.Validate(); err != nil {
		return fmt.Errorf("home: %w", err)
	}
	if !p.At.IsZero() {
		if err := p.At.Validate(); err != nil {
			return err
		}
	}
	if len(p.ServiceArea) > ServiceAreasMax {
		return errorf(ErrInvalid, "%d service areas, max %d", len(p.ServiceArea), ServiceAreasMax)
	}
	for _, a := range p.ServiceArea {
		if err := a.Validate(); err != nil {
			return fmt.Errorf("service area: %w", err)
		}
		if strings.ContainsAny(string(a), listSeparators) { // would split in the service-area cell
			return errorf(ErrInvalid, "service area %q: holds a list separator (%s)", a, listSeparators)
		}
	}
	if p.Capacity < 0 || p.Capacity > CapacityMax {
		return errorf(ErrInvalid, "capacity %d, want 0..%d", p.Capacity, CapacityMax)
	}
	// Bits no text form can write: past the week's hours they read back as "any time".
	if p.Availability[HoursPerWeek/64]>>(HoursPerWeek%64) != 0 {
		return errorf(ErrInvalid, "availability: bits past the %d hours of the week", HoursPerWeek)
	}
	if p.Flags&^flagsAll != 0 {
		return errorf(ErrInvalid, "flags %#x", uint8(p.Flags))
	}
	// The count is bounded first, so the products below cannot overflow.
	if p.RatingCount < 0 || p.RatingCount > RatingCountMax || p.RatingSum < RatingMin*p.RatingCount || p.RatingSum > RatingMax*p.RatingCount {
		return errorf(ErrInvalid, "rating sum %d over %d ratings", p.RatingSum, p.RatingCount)
	}
	return nil
}

// UpdateProvider replaces a provider's profile (name, skills, functions, members, home, service
// area, capacity, availability, flags). p.Version must be the version the caller read; the
// load, rating and creation time are kept from the store. The capacity may not go below the
// current load (the demands the provider holds an active claim on): it would then serve more
// demands at once than its capacity (DESIGN.md §4 invariant 6). The load is the one of the
// version checked, and the store writes only over that version, so a claim taken meanwhile
// makes the update fail with ErrVersionConflict rather than slip under the new capacity.
//
// The name and the members' names are trimmed as by RegisterProvider.
//
// Errors: ErrInvalid (as RegisterProvider), ErrNotFound, ErrVersionConflict (the provider
// changed since it was read; claims change it too), ErrCapacityBelowLoad.
func (c *Catalog) UpdateProvider(ctx context.Context, p Provider) (Provider, error) {
	p = p.Clone()
	if err := normaliseProvider(&p); err != nil {
		return Provider{}, fmt.Errorf("update provider %s: %w", p.ID, err)
	}
	cur, err := c.store.Provider(ctx, p.ID)
	if err != nil {
		return Provider{}, fmt.Errorf("update provider %s: %w", p.ID, err)
	}
	if cur.Version != p.Version {
		return Provider{}, errorf(ErrVersionConflict, "update provider %s: version %d, caller read %d", p.ID, cur.Version, p.Version)
	}
	if p.Capacity < cur.Active {
		return Provider{}, errorf(ErrCapacityBelowLoad, "update provider %s: capacity %d, serving %d", p.ID, p.Capacity, cur.Active)
	}
	p.Active, p.RatingSum, p.RatingCount, p.CreatedAt = cur.Active, cur.RatingSum, cur.RatingCount, cur.CreatedAt
	// Dated no earlier than the provider's last change: instances sharing a store each read
	// their own clock (see notBefore).
	p.Version, p.UpdatedAt = cur.Version+1, notBefore(c.clock(), cur.UpdatedAt)
	if err := c.store.Apply(ctx, Change{Providers: []Provider{p}}); err != nil {
		return Provider{}, fmt.Errorf("update provider %s: %w", p.ID, err)
	}
	return p, nil
}

// Provider returns one provider.
//
// Errors: ErrNotFound, ErrClosed.
func (c *Catalog) Provider(ctx context.Context, id uuid.UUID) (Provider, error) {
	p, err := c.store.Provider(ctx, id)
	if err != nil {
		return Provider{}, fmt.Errorf("provider %s: %w", id, err)
	}
	return p, nil
}

// ProviderPage is one page of a provider query; Next as in DemandPage.
type ProviderPage struct {
	Providers []Provider
	Next      uuid.UUID
}

// Providers lists providers matching q in id order (q.Limit zero: PageSizeDefault).
//
// Errors: ErrInvalid (limit, a kind other than zero (any) or a defined ProviderKind, grid
// path, skill, a function that is not a well-formed code such as legal_aid, an availability
// window that ends before it starts or lies outside the years TimeWindow allows), ErrClosed.
func (c *Catalog) Providers(ctx context.Context, q ProviderQuery) (ProviderPage, error) {
	var err error
	if q.Limit, err = pageLimit(q.Limit); err != nil {
		return ProviderPage{}, fmt.Errorf("providers: %w", err)
	}
	// No stored provider has another kind: the query could only answer an empty page, which
	// reads as "there are none" rather than as the caller's mistake.
	if q.Kind != 0 && !q.Kind.Valid() {
		return ProviderPage{}, errorf(ErrInvalid, "providers: kind %d, want 0 (any) or %d..%d", q.Kind, Volunteer, SocialOrg)
	}
	if q.Grid != "" {
		if err := q.Grid.Validate(); err != nil {
			return ProviderPage{}, fmt.Errorf("providers: %w", err)
		}
	}
	if q.Skill != "" {
		if err := q.Skill.Validate(); err != nil {
			return ProviderPage{}, fmt.Errorf("providers: %w", err)
		}
	}
	// Refused here, as a malformed skill is: it could match no stored function, but
	// PostgreSQL fails on a NUL or invalid UTF-8 where memstore answers an empty page.
	if q.Function != "" && !skillPattern.MatchString(string(q.Function)) {
		return ProviderPage{}, errorf(ErrInvalid, "providers: function %q: want a code like legal_aid", q.Function)
	}
	q.Available = TimeWindow{Start: normTime(q.Available.Start), End: normTime(q.Available.End)}
	if err := q.Available.Validate(); err != nil {
		return ProviderPage{}, fmt.Errorf("providers: %w", err)
	}
	ps, err := c.store.Providers(ctx, q)
	if err != nil {
		return ProviderPage{}, fmt.Errorf("providers: %w", err)
	}
	page := ProviderPage{Providers: ps}
	if len(ps) == q.Limit {
		page.Next = ps[len(ps)-1].ID
	}
	return page, nil
}

// ClaimPage is one page of a provider's claims; Next is the demand-id cursor.
type ClaimPage struct {
	Claims []Claim
	Next   uuid.UUID
}

// ProviderClaims lists a provider's claims by demand id (q.ActiveOnly for its current load).
//
// Errors: ErrInvalid (limit), ErrNotFound (no such provider), ErrClosed.
func (c *Catalog) ProviderClaims(ctx context.Context, providerID uuid.UUID, q ClaimQuery) (ClaimPage, error) {
	var err error
	if q.Limit, err = pageLimit(q.Limit); err != nil {
		return ClaimPage{}, fmt.Errorf("provider claims %s: %w", providerID, err)
	}
	if _, err := c.store.Provider(ctx, providerID); err != nil {
		return ClaimPage{}, fmt.Errorf("provider claims %s: %w", providerID, err)
	}
	cs, err := c.store.ProviderClaims(ctx, providerID, q)
	if err != nil {
		return ClaimPage{}, fmt.Errorf("provider claims %s: %w", providerID, err)
	}
	page := ClaimPage{Claims: cs}
	if len(cs) == q.Limit {
		page.Next = cs[len(cs)-1].DemandID
	}
	return page, nil
}

// Load is a provider's current load: active claims against its capacity.
type Load struct {
	Active   int
	Capacity int
}

// Free is how many more demands the provider may take now.
func (l Load) Free() int { return max(0, l.Capacity-l.Active) }

// ProviderLoad returns a provider's active load (一对多).
//
// Errors: ErrNotFound, ErrClosed.
func (c *Catalog) ProviderLoad(ctx context.Context, providerID uuid.UUID) (Load, error) {
	p, err := c.Provider(ctx, providerID)
	if err != nil {
		return Load{}, err
	}
	return Load{Active: p.Active, Capacity: p.Capacity}, nil
}
