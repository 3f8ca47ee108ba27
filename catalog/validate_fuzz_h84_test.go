package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
)

func emptyCatalogH84(t *testing.T) *catalog.Catalog {
	t.Helper()
	now := time.Date(2026, 5, 1, 1, 0, 0, 0, time.UTC)
	var n byte
	c, err := catalog.New(memstore.New(), catalog.WithNow(func() time.Time { return now }), catalog.WithIDs(func() uuid.UUID {
		n++
		var id uuid.UUID
		id[0], id[6], id[8], id[15] = 0x01, 0x70, 0x80, n
		return id
	}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// FuzzValidateDemandH84: ValidateDemand accepts a demand exactly when CreateDemand (with a
// valid actor) does; a refusal is ErrInvalid and stores nothing; an accepted demand is stored
// as returned, and creating the returned demand again keeps every field (the normalisation
// is idempotent) and validates.
func FuzzValidateDemandH84(f *testing.F) {
	f.Add(uint8(1), "上门理发", "王阿姨家", "haircut", "res-17", "王阿姨", "幸福街道/阳光社区/1网格/3栋", 39.9, 116.4,
		uint8(1), uint8(0), 1, 30, "", "", int64(0), int64(0), int64(0), uint8(2))
	f.Add(uint8(4), " 微创投 ", "a\r\nb", "repair", "res-1", "李", "幸福街道", 0.0, 0.0,
		uint8(0), uint8(2), 3, 0, "1000.50", "haircut,repair_electric", int64(1778000000), int64(1777700000), int64(3600), uint8(1))
	f.Add(uint8(1), "\u3000\u3000", "", "haircut", "res-1", "李", "幸福街道", 0.0, 0.0,
		uint8(0), uint8(0), 0, 0, "", "", int64(0), int64(0), int64(0), uint8(0))
	f.Add(uint8(1), "t\x00", "\xff", "Haircut", " res-1", "李\u200b", "幸福街道／阳光社区", math.NaN(), 200.0,
		uint8(255), uint8(9), -1, -1, "1e400", "ｈａｉｒｃｕｔ", int64(1<<40), int64(-1<<40), int64(-1), uint8(3))
	f.Add(uint8(4), "t", "", "repair", "res-1", "李", "幸福街道", 0.0, 0.0,
		uint8(0), uint8(0), 1, 1, "0.001", "", int64(0), int64(0), int64(0), uint8(1))
	f.Add(uint8(4), "t", "", "repair", "res-1", "李", "幸福街道", 0.0, 0.0,
		uint8(0), uint8(0), 1, 1, "99999999999999999999999999", "", int64(0), int64(0), int64(0), uint8(1))
	f.Add(uint8(1), strings.Repeat("长", 100), "", "haircut", "res-1", "李", "幸福街道", 0.0, 0.0,
		uint8(0), uint8(0), math.MaxInt, math.MaxInt, "", "", int64(0), int64(0), int64(0), uint8(1))
	f.Fuzz(func(t *testing.T, kind uint8, title, desc, category, reqID, reqName, grid string, lat, lng float64,
		priority, urgency uint8, headcount, minutes int, budget, skills string, deadline, start, dur int64, status uint8) {
		c := emptyCatalogH84(t)
		ctx := context.Background()
		d := catalog.Demand{
			Kind: catalog.DemandKind(kind), Title: title, Description: desc, Category: category,
			Requester: catalog.RequesterRef{ID: reqID, Name: reqName},
			Location:  catalog.Location{Grid: catalog.GridPath(grid), At: catalog.Coordinates{Lat: lat, Lng: lng}},
			Priority:  catalog.Priority(priority), Urgency: catalog.Urgency(urgency),
			Headcount: headcount, EstimatedMinutes: minutes, Status: catalog.Status(status % 3),
		}
		if budget != "" {
			b, err := decimal.NewFromString(budget)
			if err != nil {
				return
			}
			d.Budget = b
		}
		if skills != "" {
			for _, s := range strings.Split(skills, ",") {
				d.Skills = append(d.Skills, catalog.Skill(s))
			}
		}
		if deadline != 0 {
			d.Deadline = time.Unix(deadline%(1<<40), 0).UTC()
		}
		if start != 0 || dur != 0 {
			s := time.Unix(start%(1<<40), 0).UTC()
			d.Window = catalog.TimeWindow{Start: s, End: s.Add(time.Duration(dur%(1<<40)) * time.Second)}
		}
		verr := c.ValidateDemand(d)
		got, err := c.CreateDemand(ctx, d, "res-17")
		page, lerr := c.Demands(ctx, catalog.DemandQuery{})
		if lerr != nil {
			t.Fatal(lerr)
		}
		if err != nil {
			if !errors.Is(err, catalog.ErrInvalid) {
				t.Fatalf("CreateDemand refused without ErrInvalid: %v", err)
			}
			if len(page.Demands) != 0 {
				t.Fatalf("refused demand stored: %v", page.Demands)
			}
			// ValidateDemand looks at the fields, not the initial status.
			if verr == nil && (d.Status == 0 || d.Status == catalog.StatusDraft || d.Status == catalog.StatusOpen) {
				t.Fatalf("ValidateDemand accepts what CreateDemand refuses: %v", err)
			}
			if verr != nil && !errors.Is(verr, catalog.ErrInvalid) {
				t.Fatalf("ValidateDemand refused without ErrInvalid: %v", verr)
			}
			return
		}
		if verr != nil {
			t.Fatalf("ValidateDemand refuses (%v) what CreateDemand accepts", verr)
		}
		if len(page.Demands) != 1 {
			t.Fatalf("%d demands stored", len(page.Demands))
		}
		stored, err := c.Demand(ctx, got.ID)
		if err != nil || !demandsEqualH84(stored, got) {
			t.Fatalf("stored %+v, returned %+v, %v", stored, got, err)
		}
		if err := c.ValidateDemand(got); err != nil {
			t.Fatalf("the created demand does not validate: %v", err)
		}
		again, err := c.CreateDemand(ctx, got, "res-17")
		if err != nil {
			t.Fatalf("creating the created demand again: %v", err)
		}
		again.ID, again.CreatedAt, again.UpdatedAt = got.ID, got.CreatedAt, got.UpdatedAt
		if !demandsEqualH84(again, got) {
			t.Fatalf("normalisation not idempotent:\n%+v\n%+v", got, again)
		}
	})
}

func demandsEqualH84(a, b catalog.Demand) bool {
	if !a.Budget.Equal(b.Budget) {
		return false
	}
	a.Budget, b.Budget = decimal.Zero, decimal.Zero
	return a.Deadline.Equal(b.Deadline) && a.Window.Start.Equal(b.Window.Start) && a.Window.End.Equal(b.Window.End) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) && fmtDemandH84(a) == fmtDemandH84(b)
}

func fmtDemandH84(d catalog.Demand) string {
	d.Deadline, d.Window, d.CreatedAt, d.UpdatedAt = time.Time{}, catalog.TimeWindow{}, time.Time{}, time.Time{}
	if len(d.Skills) == 0 {
		d.Skills = nil
	}
	if len(d.DispatchedTo) == 0 {
		d.DispatchedTo = nil
	}
	return strings.ReplaceAll(strings.TrimSpace(fmtAnyH84(d)), "\n", " ")
}

func fmtAnyH84(v any) string { return fmt.Sprintf("%#v", v) }

// FuzzValidateProviderH84: ValidateProvider accepts a provider exactly when RegisterProvider
// does; a refusal is ErrInvalid and stores nothing; an accepted provider is stored as
// returned, and registering the returned provider again keeps every field and validates.
func FuzzValidateProviderH84(f *testing.F) {
	f.Add(uint8(1), "张师傅", "res-42", "haircut", "", "幸福街道/阳光社区/2网格", "", 3, "mon 9-12", uint8(1), 0, 0, "", "")
	f.Add(uint8(3), " 司法所 ", "", "", "legal_aid,health", "幸福街道", "幸福街道/阳光社区,幸福街道/月亮社区", 10, "any", uint8(0), 9, 2, "", "")
	f.Add(uint8(2), "微团队", "", "haircut", "", "幸福街道/阳光社区", "", 1, "", uint8(0), 0, 0, "res-1", "成员")
	f.Add(uint8(1), "n\x00", " res-42", "Haircut", "法律", "幸福街道／阳光社区\u200b", "\xff", -1, "周六 8-18", uint8(255), -1, 1, "res-1 ", "\u3000")
	f.Add(uint8(1), "n", "res-42", "haircut,haircut", "", "幸福街道", "", math.MaxInt, "", uint8(0), math.MaxInt, 1<<28, "", "")
	f.Fuzz(func(t *testing.T, kind uint8, name, personID, skills, functions, home, area string, capacity int,
		avail string, flags uint8, ratingSum, ratingCount int, memberID, memberName string) {
		a, err := catalog.ParseAvailability(avail)
		if err != nil {
			return
		}
		p := catalog.Provider{Kind: catalog.ProviderKind(kind), Name: name, PersonID: personID, Home: catalog.GridPath(home),
			Capacity: capacity, Availability: a, Flags: catalog.ProviderFlags(flags), RatingSum: ratingSum, RatingCount: ratingCount}
		if skills != "" {
			for _, s := range strings.Split(skills, ",") {
				p.Skills = append(p.Skills, catalog.Skill(s))
			}
		}
		if functions != "" {
			for _, s := range strings.Split(functions, ",") {
				p.Functions = append(p.Functions, catalog.Function(s))
			}
		}
		if area != "" {
			for _, s := range strings.Split(area, ",") {
				p.ServiceArea = append(p.ServiceArea, catalog.GridPath(s))
			}
		}
		if memberID != "" || memberName != "" {
			p.Members = []catalog.Member{{PersonID: memberID, Name: memberName}}
		}
		c := emptyCatalogH84(t)
		ctx := context.Background()
		verr := catalog.ValidateProvider(p)
		got, err := c.RegisterProvider(ctx, p, "community")
		page, lerr := c.Providers(ctx, catalog.ProviderQuery{})
		if lerr != nil {
			t.Fatal(lerr)
		}
		if err != nil {
			if !errors.Is(err, catalog.ErrInvalid) {
				t.Fatalf("RegisterProvider refused without ErrInvalid: %v", err)
			}
			if len(page.Providers) != 0 {
				t.Fatalf("refused provider stored: %v", page.Providers)
			}
			if verr == nil {
				t.Fatalf("ValidateProvider accepts what RegisterProvider refuses: %v", err)
			}
			if !errors.Is(verr, catalog.ErrInvalid) {
				t.Fatalf("ValidateProvider refused without ErrInvalid: %v", verr)
			}
			return
		}
		if verr != nil {
			t.Fatalf("ValidateProvider refuses (%v) what RegisterProvider accepts", verr)
		}
		stored, err := c.Provider(ctx, got.ID)
		if err != nil || fmtProviderH84(stored) != fmtProviderH84(got) || len(page.Providers) != 1 {
			t.Fatalf("stored %+v, returned %+v, %v", stored, got, err)
		}
		if err := catalog.ValidateProvider(got); err != nil {
			t.Fatalf("the registered provider does not validate: %v", err)
		}
		again, err := c.RegisterProvider(ctx, got, "community")
		if err != nil {
			t.Fatalf("registering the registered provider again: %v", err)
		}
		again.ID = got.ID
		if fmtProviderH84(again) != fmtProviderH84(got) {
			t.Fatalf("normalisation not idempotent:\n%+v\n%+v", got, again)
		}
	})
}

func fmtProviderH84(p catalog.Provider) string {
	p.CreatedAt, p.UpdatedAt = time.Time{}, time.Time{}
	for _, s := range []*[]catalog.Skill{&p.Skills} {
		if len(*s) == 0 {
			*s = nil
		}
	}
	if len(p.Functions) == 0 {
		p.Functions = nil
	}
	if len(p.ServiceArea) == 0 {
		p.ServiceArea = nil
	}
	if len(p.Members) == 0 {
		p.Members = nil
	}
	return fmtAnyH84(p)
}
