package catalog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Limits on spreadsheet (台账) import.
const (
	ImportRowsMax   = 100_000  // data rows in one file
	ImportBytesMax  = 64 << 20 // bytes in one file
	ImportErrorsMax = 1000     // bad cells listed in one ImportError; more are counted
	// csvFieldBytesMax bounds one cell: the largest any valid record writes, a team's members
	// cell ("id:name" each, ';' between), under 129,000 bytes. A service-area cell takes at most
	// 16,639 bytes, a description 4,000.
	csvFieldBytesMax = MembersMax * (RefIDBytesMax + len(":") + NameBytesMax + len(";"))
	// budgetCellBytesMax bounds a budget cell, far above the longest budget.
	budgetCellBytesMax = 64
)

// ImportLocation is the zone of local wall-clock time: of times written without one in a
// spreadsheet, and of the hours in WeeklyAvailability. It is China Standard Time (UTC+8),
// where every community using this library keeps its lists; a platform elsewhere sets it once,
// before any other use of the package. In a zone with daylight saving time, the export writes
// a time in the hour a change back to standard time repeats with its offset, so that it reads
// back as the same instant.
//
// It must not be nil. If it is, the CSV functions of demands (ParseDemandsCSV, ImportDemands,
// ExportDemands, ExportBoard), whose cells hold local times without a zone, refuse with
// ErrInvalid, nothing read, stored or written: a file in some other zone would shift every
// time in it without saying so. What has no error to return (the hours of an availability,
// TimeWindow.HourSlots, WeeklyAvailability.Overlaps, and the year check of a deadline or a
// window) reads nil as UTC, as time.Time does its own nil location.
var ImportLocation = time.FixedZone("CST", 8*3600)

// localZone is ImportLocation, or UTC if it is nil (time.Time.In and time.ParseInLocation
// panic on nil): for what has no error to return (see ImportLocation).
func localZone() *time.Location {
	if loc := ImportLocation; loc != nil {
		return loc
	}
	return time.UTC
}

// requireCSVZone refuses the CSV of demands while ImportLocation is nil (see ImportLocation).
func requireCSVZone(op string) error {
	if ImportLocation == nil {
		return errorf(ErrInvalid, "%s: catalog.ImportLocation is nil, so the zone of the file's local times is unknown", op)
	}
	return nil
}

// RowError is one bad cell (or row, or header) of an imported file.
type RowError struct {
	Line   int    // 1-based line in the file (the header is line 1 in a file without blank lines)
	Column int    // 1-based column; 0 when the whole row (or file) is at fault
	Header string // the column's header as written in the file, "" when Column is 0
	Reason string
}

// String gives the line, the column with its header when one is at fault, and the reason.
func (e RowError) String() string {
	if e.Column == 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d column %d (%s): %s", e.Line, e.Column, e.Header, e.Reason)
}

// ImportError reports why an import changed nothing: every bad cell found, in file order (at
// most ImportErrorsMax; Total counts them all). It wraps ErrInvalid, so errors.Is(err,
// ErrInvalid) holds, and errors.As(err, &importErr) gives the rows.
type ImportError struct {
	Rows  []RowError
	Total int
}

// Error lists the bad cells, one per line.
func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "catalog: import rejected, nothing imported: %d problem(s)", e.Total)
	for _, r := range e.Rows {
		b.WriteString("\n  ")
		b.WriteString(r.String())
	}
	if e.Total > len(e.Rows) {
		fmt.Fprintf(&b, "\n  ... and %d more", e.Total-len(e.Rows))
	}
	return b.String()
}

// Unwrap makes the error match ErrInvalid.
func (e *ImportError) Unwrap() error { return ErrInvalid }

func (e *ImportError) add(r RowError) {
	e.Total++
	if len(e.Rows) < ImportErrorsMax {
		e.Rows = append(e.Rows, r)
	}
}

// CSVOptions controls export.
type CSVOptions struct {
	// Chinese writes Chinese headers and a UTF-8 byte-order mark, so that spreadsheet programs
	// open the file with the right encoding. Import accepts either form.
	Chinese bool
}

// column is one spreadsheet column: its English key, the headers accepted for it, and how a
// cell is read into the record and written from it.
type column[T any] struct {
	key      string
	zh       string
	aliases  []string
	required bool
	exported bool // written by export only; ignored by import
	// pair is the key of a column this one is given with (lat and lng): a file or a row
	// giving one without the other is refused, as the missing one would read as 0.
	pair   string
	parse  func(rec *T, cell string, tax *Taxonomy) error
	format func(rec T) string
}

func reason(format string, args ...any) error { return errString(fmt.Sprintf(format, args...)) }

var errNoTaxonomy = errString("no taxonomy")

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return normTime(t), nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02", "2006/1/2 15:04", "2006/1/2"} {
		if t, err := time.ParseInLocation(layout, s, localZone()); err == nil {
			return normTime(t), nil
		}
	}
	return time.Time{}, reason("time %q: want 2006-01-02 15:04 (China time) or RFC 3339", s)
}

// formatTime writes a time to the second, for columns export alone writes (created_at).
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(localZone()).Format("2006-01-02 15:04:05")
}

// formatTimeExact writes a time that import reads back: to the microsecond the catalog keeps,
// the fraction only when there is one ("2026-05-20 18:00:00" as before for whole seconds).
// parseTime's layouts take the fraction after the seconds.
//
// In a zone with daylight saving time the hour that a change back to standard time repeats
// names two instants, and parseTime would read the wall-clock text as the one time.Date picks;
// a time that is not that one is written with its offset (RFC 3339, which parseTime reads
// first). In ImportLocation's China time, which has no such hour, that never happens.
func formatTimeExact(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	loc := localZone()
	l := t.In(loc)
	if !time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), loc).Equal(t) {
		return l.Format(time.RFC3339Nano)
	}
	return l.Format("2006-01-02 15:04:05.999999")
}

func parseInt(s string, lo, hi int) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, reason("%q: want a whole number %d..%d", s, lo, hi)
	}
	return n, nil
}

func parseCoordinate(s string, lim float64) (float64, error) {
	if s == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f >= -lim && f <= lim) {
		return 0, reason("%q: want degrees within ±%v", s, lim)
	}
	return f, nil
}

func parseSkills(s string) ([]Skill, error) {
	var out []Skill
	for _, x := range splitList(s) {
		out = append(out, Skill(strings.ToLower(x)))
	}
	if err := checkSkills(out); err != nil {
		return nil, errString(strings.TrimSuffix(err.Error(), ": "+ErrInvalid.Error()))
	}
	return out, nil
}

func joinList[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ";")
}

func text(field string, maxBytes int, required bool) func(string) error {
	return func(s string) error {
		if required && s == "" {
			return reason("%s is required", field)
		}
		if len(s) > maxBytes {
			return reason("%s: %d bytes, max %d", field, len(s), maxBytes)
		}
		return nil
	}
}

var priorityNames = []struct {
	flag  Priority
	names []string
}{
	{PriorityElderlyAlone, []string{"elderly_alone", "独居老人"}},
	{PriorityDisabled, []string{"disabled", "残疾人"}},
	{PriorityHardship, []string{"hardship", "困难群众", "困难家庭"}},
	{PriorityChildren, []string{"children", "儿童"}},
}

var urgencyNames = [][]string{
	UrgencyNormal: {"normal", "一般"}, UrgencyUrgent: {"urgent", "紧急"}, UrgencyEmergency: {"emergency", "特急"},
}

var flagNames = []struct {
	flag  ProviderFlags
	names []string
}{
	{FlagPartyMember, []string{"party_member", "党员"}},
	{FlagInServiceParty, []string{"in_service_party", "双报到", "在职党员"}},
	{FlagProfessional, []string{"professional", "专业人员"}},
}

func lookupName[F any](list []struct {
	flag  F
	names []string
}, s string) (F, bool) {
	for _, x := range list {
		for _, n := range x.names {
			if strings.EqualFold(n, s) {
				return x.flag, true
			}
		}
	}
	var zero F
	return zero, false
}

func parseGrid(s string, minDepth int) (GridPath, error) {
	g, err := ParseGridPath(s)
	if err != nil {
		return "", errString(strings.TrimSuffix(err.Error(), ": "+ErrInvalid.Error()))
	}
	if g.Depth() < minDepth {
		return "", reason("grid %q: need at least street/community", s)
	}
	return g, nil
}

// demandColumns are the demand list's columns, in export order.
var demandColumns = []column[Demand]{
	{key: "id", zh: "编号", exported: true, format: func(d Demand) string { return d.ID.String() }},
	{key: "kind", zh: "类型", required: true,
		parse: func(d *Demand, s string, _ *Taxonomy) (err error) {
			d.Kind, err = ParseDemandKind(s)
			if err != nil {
				return reason("%q: want wish, practical_matter, major_item, project (微心愿, 微实事, 大事项, 微创投)", s)
			}
			return nil
		},
		format: func(d Demand) string { return d.Kind.String() }},
	{key: "title", zh: "标题", required: true,
		parse: func(d *Demand, s string, _ *Taxonomy) error {
			d.Title = s
			return text("title", TitleBytesMax, true)(s)
		},
		format: func(d Demand) string { return d.Title }},
	{key: "description", zh: "描述", aliases: []string{"详情"},
		parse: func(d *Demand, s string, _ *Taxonomy) error {
			d.Description = s
			return text("description", DescriptionBytesMax, false)(s)
		},
		format: func(d Demand) string { return d.Description }},
	{key: "category", zh: "类别", aliases: []string{"分类"}, required: true,
		parse: func(d *Demand, s string, tax *Taxonomy) error {
			if tax == nil {
				return errNoTaxonomy
			}
			if _, ok := tax.Category(s); ok {
				d.Category = s
				return nil
			}
			// A name may be shared (two "其他" under different parents): then only the code
			// says which category is meant, and taking the first would file the demand wrongly.
			var codes []string
			for _, c := range tax.categories {
				if c.Name == s || strings.EqualFold(c.NameEN, s) {
					codes = append(codes, c.Code)
				}
			}
			switch len(codes) {
			case 0:
				return reason("unknown category %q", s)
			case 1:
				d.Category = codes[0]
				return nil
			}
			return reason("category %q names %d categories (%s): write the code", s, len(codes), strings.Join(codes, ", "))
		},
		format: func(d Demand) string { return d.Category }},
	{key: "requester_id", zh: "居民编号", required: true,
		parse: func(d *Demand, s string, _ *Taxonomy) error {
			d.Requester.ID = s
			return text("requester id", RefIDBytesMax, true)(s)
		},
		format: func(d Demand) string { return d.Requester.ID }},
	{key: "requester_name", zh: "居民姓名", aliases: []string{"姓名"},
		parse: func(d *Demand, s string, _ *Taxonomy) error {
			d.Requester.Name = s
			return text("requester name", NameBytesMax, false)(s)
		},
		format: func(d Demand) string { return d.Requester.Name }},
	{key: "grid", zh: "网格", aliases: []string{"所在网格", "位置"}, required: true,
		parse: func(d *Demand, s string, _ *Taxonomy) (err error) {
			d.Location.Grid, err = parseGrid(s, LevelCommunity)
			return err
		},
		format: func(d Demand) string { return string(d.Location.Grid) }},
	{key: "lat", zh: "纬度", pair: "lng",
		parse: func(d *Demand, s string, _ *Taxonomy) (err error) {
			d.Location.At.Lat, err = parseCoordinate(s, 90)
			return err
		},
		format: func(d Demand) string { return formatCoordinate(d.Location.At, d.Location.At.Lat) }},
	{key: "lng", zh: "经度", pair: "lat",
		parse: func(d *Demand, s string, _ *Taxonomy) (err error) {
			d.Location.At.Lng, err = parseCoordinate(s, 180)
			return err
		},
		format: func(d Demand) string { return formatCoordinate(d.Location.At, d.Location.At.Lng) }},
	{key: "skills", zh: "技能",
		parse: func(d *Demand, s string, _ *Taxonomy) (err error) {
			d.Skills, err = parseSkills(s)
			return err
		},
		format: func(d Demand) string { return joinList(d.Skills) }},
	{key: "headcount", zh: "人数",
		parse: func(d *Demand, s string, _ *Taxonomy) (err error) {
			d.Headcount, err = parseInt(s, 1, HeadcountMax)
			return err
		},
		format: func(d Demand) string { return strconv.Itoa(d.Headcount) }},
	{key: "estimated_minutes", zh: "预计分钟", aliases: []string{"时长（分钟）", "时长(分钟)"},
		parse: func(d *Demand, s string, _ *Taxonomy) (err error) {
			// 0, as an empty cell, is the category's default (as for CreateDemand): what export
			// writes for a demand of a category whose default is no effort at all.
			d.EstimatedMinutes, err = parseInt(s, 0, EstimatedMinutesMax)
			return err
		},
		format: func(d Demand) string { return strconv.Itoa(d.EstimatedMinutes) }},
	{key: "window_start", zh: "服务开始",
		parse: func(d *Demand, s string, _ *Taxonomy) (err error) {
			d.Window.Start, err = parseTime(s)
			return err
		},
		format: func(d Demand) string { return formatTimeExact(d.Window.Start) }},
	{key: "window_end", zh: "服务结束",
		parse: func(d *Demand, s string, _ *Taxonomy) (err error) {
			d.Window.End, err = parseTime(s)
			return err
		},
		format: func(d Demand) string { return formatTimeExact(d.Window.End) }},
	{key: "priority", zh: "重点人群",
		parse: func(d *Demand, s string, _ *Taxonomy) error {
			d.Priority = 0
			for _, x := range splitList(s) {
				f, ok := lookupName(priorityNames, x)
				if !ok {
					return reason("priority %q: want elderly_alone, disabled, hardship, children (独居老人、残疾人、困难群众、儿童)", x)
				}
				d.Priority |= f
			}
			return nil
		},
		format: func(d Demand) string {
			var names []string
			for _, x := range priorityNames {
				if d.Priority.Has(x.flag) {
					names = append(names, x.names[0])
				}
			}
			return strings.Join(names, ";")
		}},
	{key: "urgency", zh: "紧急程度",
		parse: func(d *Demand, s string, _ *Taxonomy) error {
			if s == "" {
				d.Urgency = UrgencyNormal
				return nil
			}
			for u, names := range urgencyNames {
				for _, n := range names {
					if strings.EqualFold(n, s) {
						d.Urgency = Urgency(u)
						return nil
					}
				}
			}
			return reason("urgency %q: want normal, urgent, emergency (一般、紧急、特急)", s)
		},
		format: func(d Demand) string { return urgencyNames[min(int(d.Urgency), len(urgencyNames)-1)][0] }},
	{key: "deadline", zh: "截止时间",
		parse: func(d *Demand, s string, _ *Taxonomy) (err error) {
			d.Deadline, err = parseTime(s)
			return err
		},
		format: func(d Demand) string { return formatTimeExact(d.Deadline) }},
	{key: "budget", zh: "预算（元）", aliases: []string{"预算", "预算(元)", "budget_yuan"},
		parse: func(d *Demand, s string, _ *Taxonomy) error {
			if s == "" {
				d.Budget = decimal.Decimal{}
				return nil
			}
			// No budget is written longer ("100,000,000.00" has 14 characters); a longer cell
			// is refused unread, as parsing a decimal costs the square of its length.
			if len(s) > budgetCellBytesMax {
				return reason("budget of %d characters: want yuan, up to %d", len(s), BudgetYuanMax)
			}
			digits, ok := dropThousandsSeparators(s)
			b, err := decimal.NewFromString(digits)
			if !ok || err != nil || b.IsNegative() || b.GreaterThan(decimal.NewFromInt(BudgetYuanMax)) || !b.Equal(b.Round(2)) {
				return reason("budget %q: want yuan, at most 2 decimals, up to %d, commas only between thousands", s, BudgetYuanMax)
			}
			d.Budget = b
			return nil
		},
		format: func(d Demand) string {
			if d.Budget.IsZero() {
				return ""
			}
			return d.Budget.StringFixed(2)
		}},
	{key: "status", zh: "状态", exported: true, format: func(d Demand) string { return d.Status.String() }},
	{key: "version", zh: "版本", exported: true, format: func(d Demand) string { return strconv.FormatUint(d.Version, 10) }},
	{key: "board_id", zh: "榜单编号", exported: true, format: func(d Demand) string { return formatID(d.BoardID) }},
	{key: "filled", zh: "已认领人数", exported: true, format: func(d Demand) string { return strconv.Itoa(d.Filled) }},
	{key: "created_at", zh: "创建时间", exported: true, format: func(d Demand) string { return formatTime(d.CreatedAt) }},
}

// dropThousandsSeparators removes the commas of a number written with thousands separators
// ("12,000.50"). It reports false when a comma is anywhere else ("1,5", "12,00"): deleting it
// would read a decimal comma as a thousands separator and make 1.5 yuan 15.
func dropThousandsSeparators(s string) (string, bool) {
	if !strings.Contains(s, ",") {
		return s, true
	}
	whole, fraction, _ := strings.Cut(s, ".")
	if strings.Contains(fraction, ",") {
		return "", false
	}
	groups := strings.Split(whole, ",")
	for i, g := range groups {
		if (i == 0 && (len(g) < 1 || len(g) > 3)) || (i > 0 && len(g) != 3) || strings.Trim(g, "0123456789") != "" {
			return "", false
		}
	}
	return strings.Join(groups, "") + s[len(whole):], true
}

func formatCoordinate(c Coordinates, v float64) string {
	if c.IsZero() {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func formatID(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

// providerColumns are the resource list's columns, in export order.
var providerColumns = []column[Provider]{
	{key: "id", zh: "编号", exported: true, format: func(p Provider) string { return p.ID.String() }},
	{key: "kind", zh: "类型", required: true,
		parse: func(p *Provider, s string, _ *Taxonomy) (err error) {
			p.Kind, err = ParseProviderKind(s)
			if err != nil {
				return reason("%q: want volunteer, team, unit, social_org (志愿者, 微团队, 共建单位, 社会组织)", s)
			}
			return nil
		},
		format: func(p Provider) string { return p.Kind.String() }},
	{key: "name", zh: "名称", aliases: []string{"姓名"}, required: true,
		parse:  func(p *Provider, s string, _ *Taxonomy) error { p.Name = s; return text("name", NameBytesMax, true)(s) },
		format: func(p Provider) string { return p.Name }},
	{key: "person_id", zh: "居民编号",
		parse: func(p *Provider, s string, _ *Taxonomy) error {
			p.PersonID = s
			return text("person id", RefIDBytesMax, false)(s)
		},
		format: func(p Provider) string { return p.PersonID }},
	{key: "members", zh: "成员",
		parse: func(p *Provider, s string, _ *Taxonomy) error {
			p.Members = nil
			for _, x := range splitList(s) {
				id, name, _ := strings.Cut(x, ":")
				id, name = strings.TrimSpace(id), strings.TrimSpace(name)
				if id == "" || len(id) > RefIDBytesMax || len(name) > NameBytesMax {
					return reason("member %q: want person_id:name", x)
				}
				p.Members = append(p.Members, Member{PersonID: id, Name: name})
			}
			if len(p.Members) > MembersMax {
				return reason("%d members, max %d", len(p.Members), MembersMax)
			}
			return nil
		},
		format: func(p Provider) string {
			s := make([]string, len(p.Members))
			for i, m := range p.Members {
				s[i] = m.PersonID + ":" + m.Name
			}
			return strings.Join(s, ";")
		}},
	{key: "functions", zh: "职能",
		parse: func(p *Provider, s string, _ *Taxonomy) error {
			p.Functions = nil
			for _, x := range splitList(s) {
				f := Function(strings.ToLower(x))
				if Skill(f).Validate() != nil {
					return reason("function %q: want a code like legal_aid", x)
				}
				p.Functions = append(p.Functions, f)
			}
			if len(p.Functions) > FunctionsMax {
				return reason("%d functions, max %d", len(p.Functions), FunctionsMax)
			}
			return nil
		},
		format: func(p Provider) string { return joinList(p.Functions) }},
	{key: "skills", zh: "技能",
		parse: func(p *Provider, s string, _ *Taxonomy) (err error) {
			p.Skills, err = parseSkills(s)
			return err
		},
		format: func(p Provider) string { return joinList(p.Skills) }},
	{key: "home", zh: "所属网格", aliases: []string{"网格"}, required: true,
		parse: func(p *Provider, s string, _ *Taxonomy) (err error) {
			p.Home, err = parseGrid(s, LevelStreet)
			return err
		},
		format: func(p Provider) string { return string(p.Home) }},
	{key: "service_area", zh: "服务范围",
		parse: func(p *Provider, s string, _ *Taxonomy) error {
			p.ServiceArea = nil
			for _, x := range splitList(s) {
				g, err := parseGrid(x, LevelStreet)
				if err != nil {
					return err
				}
				p.ServiceArea = append(p.ServiceArea, g)
			}
			if len(p.ServiceArea) > ServiceAreasMax {
				return reason("%d service areas, max %d", len(p.ServiceArea), ServiceAreasMax)
			}
			return nil
		},
		format: func(p Provider) string { return joinList(p.ServiceArea) }},
	{key: "lat", zh: "纬度", pair: "lng",
		parse: func(p *Provider, s string, _ *Taxonomy) (err error) {
			p.At.Lat, err = parseCoordinate(s, 90)
			return err
		},
		format: func(p Provider) string { return formatCoordinate(p.At, p.At.Lat) }},
	{key: "lng", zh: "经度", pair: "lat",
		parse: func(p *Provider, s string, _ *Taxonomy) (err error) {
			p.At.Lng, err = parseCoordinate(s, 180)
			return err
		},
		format: func(p Provider) string { return formatCoordinate(p.At, p.At.Lng) }},
	{key: "capacity", zh: "服务容量", aliases: []string{"可同时服务数"}, required: true,
		parse: func(p *Provider, s string, _ *Taxonomy) (err error) {
			if s == "" {
				return reason("capacity is required")
			}
			p.Capacity, err = parseInt(s, 0, CapacityMax)
			return err
		},
		format: func(p Provider) string { return strconv.Itoa(p.Capacity) }},
	{key: "availability", zh: "服务时间",
		parse: func(p *Provider, s string, _ *Taxonomy) (err error) {
			p.Availability, err = ParseAvailability(s)
			if err != nil {
				return errString(strings.TrimSuffix(err.Error(), ": "+ErrInvalid.Error()))
			}
			return nil
		},
		format: func(p Provider) string { return p.Availability.String() }},
	{key: "flags", zh: "标记", aliases: []string{"身份"},
		parse: func(p *Provider, s string, _ *Taxonomy) error {
			p.Flags = 0
			for _, x := range splitList(s) {
				f, ok := lookupName(flagNames, x)
				if !ok {
					return reason("flag %q: want party_member, in_service_party, professional (党员、双报到、专业人员)", x)
				}
				p.Flags |= f
			}
			return nil
		},
		format: func(p Provider) string {
			var names []string
			for _, x := range flagNames {
				if p.Flags.Has(x.flag) {
					names = append(names, x.names[0])
				}
			}
			return strings.Join(names, ";")
		}},
	{key: "active", zh: "在办数", exported: true, format: func(p Provider) string { return strconv.Itoa(p.Active) }},
	{key: "rating", zh: "评分", exported: true, format: func(p Provider) string {
		return strconv.FormatFloat(p.RatingAverage(), 'f', 2, 64)
	}},
	{key: "version", zh: "版本", exported: true, format: func(p Provider) string { return strconv.FormatUint(p.Version, 10) }},
}

// readCSV reads a whole file: the BOM stripped, the header mapped to columns, each data row
// parsed into a T (blank rows skipped), every problem collected. It returns the records with
// their line numbers, or an *ImportError.
func readCSV[T any](r io.Reader, cols []column[T], tax *Taxonomy, validate func(*T) error) ([]T, []int, error) {
	data, err := io.ReadAll(io.LimitReader(r, ImportBytesMax+1))
	if err != nil {
		return nil, nil, fmt.Errorf("import: read: %w", errorf(ErrInvalid, "%v", err))
	}
	ie := &ImportError{}
	if len(data) > ImportBytesMax {
		ie.add(RowError{Line: 1, Reason: fmt.Sprintf("file over %d bytes", ImportBytesMax)})
		return nil, nil, ie
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		ie.add(RowError{Line: 1, Reason: "file is not UTF-8 (save the spreadsheet as CSV UTF-8)"})
		return nil, nil, ie
	}
	cr := csv.NewReader(bufio.NewReader(bytes.NewReader(data)))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		ie.add(RowError{Line: 1, Reason: "no header row: " + csvReason(err)})
		return nil, nil, ie
	}
	byName := make(map[string]int)
	for i, c := range cols {
		for _, n := range append([]string{c.key, c.zh}, c.aliases...) {
			byName[strings.ToLower(n)] = i
		}
	}
	colOf := make([]int, len(header)) // header index -> column index, -1 ignored
	seen := make(map[int]bool)
	keyOf := make(map[string]int, len(cols)) // column key -> column index
	for ci, c := range cols {
		keyOf[c.key] = ci
	}
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		ci, ok := byName[strings.ToLower(h)]
		switch {
		case !ok:
			ie.add(RowError{Line: 1, Column: i + 1, Header: clipReason(h), Reason: "unknown column"}) // h may be any length
			colOf[i] = -1
		case seen[ci]:
			ie.add(RowError{Line: 1, Column: i + 1, Header: h, Reason: "column repeated"})
			colOf[i] = -1
		case cols[ci].exported:
			colOf[i] = -1 // written by export, recomputed on import
			seen[ci] = true
		default:
			colOf[i] = ci
			seen[ci] = true
		}
	}
	for ci, c := range cols {
		if c.required && !seen[ci] {
			ie.add(RowError{Line: 1, Reason: fmt.Sprintf("missing column %s (%s)", c.key, c.zh)})
		}
		if c.pair != "" && seen[ci] && !seen[keyOf[c.pair]] {
			p := cols[keyOf[c.pair]]
			ie.add(RowError{Line: 1, Reason: fmt.Sprintf("column %s (%s) without column %s (%s)", c.key, c.zh, p.key, p.zh)})
		}
	}
	hdrOf := make([]int, len(cols)) // column index -> header index, -1 absent
	for ci := range hdrOf {
		hdrOf[ci] = -1
	}
	for i, ci := range colOf {
		if ci >= 0 {
			hdrOf[ci] = i
		}
	}
	if ie.Total > 0 {
		return nil, nil, ie
	}
	var out []T
	var lines []int
	rows := 0 // non-blank data rows read, good or bad
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			line, col := 0, 0
			if errors.As(err, &pe) {
				line, col = pe.Line, pe.Column
			}
			ie.add(RowError{Line: line, Column: col, Reason: "malformed CSV: " + csvReason(err)})
			break // the reader cannot resynchronise after a quoting error
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		if rows >= ImportRowsMax { // bad rows count too: the file is too long either way
			ie.add(RowError{Line: line, Reason: fmt.Sprintf("more than %d rows", ImportRowsMax)})
			break
		}
		rows++
		if len(rec) != len(header) {
			ie.add(RowError{Line: line, Reason: fmt.Sprintf("%d cells, the header has %d", len(rec), len(header))})
			continue
		}
		var x T
		bad := false
		for i, cell := range rec {
			if colOf[i] < 0 {
				continue
			}
			cell = strings.TrimSpace(cell)
			if len(cell) > csvFieldBytesMax {
				ie.add(RowError{Line: line, Column: i + 1, Header: header[i], Reason: "cell too long"})
				bad = true
				continue
			}
			if err := cols[colOf[i]].parse(&x, cell, tax); err != nil {
				ie.add(RowError{Line: line, Column: i + 1, Header: header[i], Reason: clipReason(err.Error())})
				bad = true
			}
		}
		for i, cell := range rec {
			ci := colOf[i]
			if ci < 0 || cols[ci].pair == "" || strings.TrimSpace(cell) != "" {
				continue
			}
			if j := hdrOf[keyOf[cols[ci].pair]]; strings.TrimSpace(rec[j]) != "" {
				ie.add(RowError{Line: line, Column: i + 1, Header: header[i], Reason: fmt.Sprintf("empty, but %s is given: give both or neither", header[j])})
				bad = true
			}
		}
		if !bad {
			if err := validate(&x); err != nil {
				ie.add(RowError{Line: line, Reason: clipReason(strings.TrimSuffix(err.Error(), ": "+ErrInvalid.Error()))})
				bad = true
			}
		}
		if !bad {
			out = append(out, x)
			lines = append(lines, line)
		}
	}
	if ie.Total > 0 {
		return nil, nil, ie
	}
	return out, lines, nil
}

// reasonBytesMax bounds the reason of one bad cell or row. A reason quotes what the cell held,
// and a cell may be as long as a team's members cell: ImportErrorsMax reasons of that size
// would be a hundred megabytes.
const reasonBytesMax = 512

// clipReason cuts a long reason in its middle, keeping its start (what the cell held) and its
// end (what was wanted), each at a character boundary.
func clipReason(s string) string {
	if len(s) <= reasonBytesMax {
		return s
	}
	const gap = " … "
	half := (reasonBytesMax - len(gap)) / 2
	head, tail := half, len(s)-half
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	for tail < len(s) && !utf8.RuneStart(s[tail]) {
		tail++
	}
	return s[:head] + gap + s[tail:]
}

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// ParseDemandsCSV reads a demand list from CSV (UTF-8, with or without a byte-order mark;
// English or Chinese headers; columns in any order; export-only columns such as id and status
// ignored) and validates every row against tax, without storing anything. Times without a zone
// are China time (ImportLocation). List cells (skills, priority) separate items with ';', '；'
// or '、'. Latitude and longitude come together: a file or a row giving one without the other
// is refused (an empty pair is an unknown point).
//
// Errors: an *ImportError (wrapping ErrInvalid) listing every bad cell with its line, column and
// reason; ErrInvalid, nothing read, while ImportLocation is nil.
func ParseDemandsCSV(r io.Reader, tax *Taxonomy) ([]Demand, error) {
	if err := requireCSVZone("import demands"); err != nil {
		return nil, err
	}
	if tax == nil {
		tax = DefaultTaxonomy()
	}
	ds, _, err := readCSV(r, demandColumns, tax, func(d *Demand) error { return normaliseDemand(tax, d) })
	return ds, err
}

// ParseProvidersCSV reads a resource list from CSV, as ParseDemandsCSV does for demands.
//
// Errors: an *ImportError (wrapping ErrInvalid) listing every bad cell.
func ParseProvidersCSV(r io.Reader) ([]Provider, error) {
	ps, _, err := readCSV(r, providerColumns, nil, normaliseProvider)
	return ps, err
}

// ImportDemands reads a demand list (台账) from CSV and adds every row as an Open demand, all
// in one store write: if any row is bad, nothing is imported.
//
// Errors: *ImportError (wrapping ErrInvalid) listing every bad cell; ErrInvalid for a bad actor
// or while ImportLocation is nil; a store error (nothing imported).
func (c *Catalog) ImportDemands(ctx context.Context, r io.Reader, actor string) ([]Demand, error) {
	if err := (Act{Actor: actor}).validate("import demands"); err != nil {
		return nil, err
	}
	ds, err := ParseDemandsCSV(r, c.tax)
	if err != nil {
		return nil, err
	}
	now := c.clock()
	ch := Change{Demands: make([]Demand, len(ds)), Events: make([]Event, len(ds))}
	for i, d := range ds {
		id, err := c.id("import demands")
		if err != nil {
			return nil, err
		}
		d.ID, d.Status, d.Version, d.CreatedAt, d.UpdatedAt = id, StatusOpen, 1, now, now
		ds[i] = d
		ch.Demands[i] = d
		ch.Events[i] = Event{DemandID: d.ID, Seq: 1, Action: ActionCreate, To: StatusOpen, Actor: actor, Reason: "imported", At: now}
	}
	if err := c.store.Apply(ctx, ch); err != nil {
		return nil, fmt.Errorf("import demands: %w", err)
	}
	return ds, nil
}

// ImportProviders reads a resource list from CSV and registers every row, all or nothing.
// Every provider starts unrated: the export's rating column is an average, ignored on import.
//
// Errors: as ImportDemands.
func (c *Catalog) ImportProviders(ctx context.Context, r io.Reader, actor string) ([]Provider, error) {
	if err := (Act{Actor: actor}).validate("import providers"); err != nil {
		return nil, err
	}
	ps, err := ParseProvidersCSV(r)
	if err != nil {
		return nil, err
	}
	now := c.clock()
	for i := range ps {
		id, err := c.id("import providers")
		if err != nil {
			return nil, err
		}
		ps[i].ID, ps[i].Version, ps[i].CreatedAt, ps[i].UpdatedAt = id, 1, now, now
	}
	if err := c.store.Apply(ctx, Change{Providers: ps}); err != nil {
		return nil, fmt.Errorf("import providers: %w", err)
	}
	return ps, nil
}

func writeCSV[T any](w io.Writer, cols []column[T], opts CSVOptions, next func() ([]T, error)) error {
	// The first page is read before anything is written, so a refused query (ErrInvalid) or a
	// store that fails at once leaves the writer untouched.
	page, err := next()
	if err != nil {
		return err
	}
	if opts.Chinese {
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	cw := csv.NewWriter(w)
	row := make([]string, len(cols))
	for i, c := range cols {
		row[i] = c.key
		if opts.Chinese {
			row[i] = c.zh
		}
	}
	if err := cw.Write(row); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	for len(page) > 0 {
		for _, x := range page {
			for i, c := range cols {
				row[i] = c.format(x)
			}
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("export: %w", err)
			}
		}
		if page, err = next(); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// ExportDemands writes every demand matching q (all pages; q.After and q.Limit are ignored) as
// CSV that ImportDemands reads back, a file of at most ImportRowsMax rows and ImportBytesMax
// bytes at a time: narrow q (by community, status or time) to export a larger list in parts.
//
// Errors: ErrInvalid (a bad query, or ImportLocation nil), a store error, or the writer's
// error. Nothing is written when the query is refused or the first page cannot be read.
func (c *Catalog) ExportDemands(ctx context.Context, w io.Writer, q DemandQuery, opts CSVOptions) error {
	if err := requireCSVZone("export demands"); err != nil {
		return err
	}
	q.After, q.Limit = uuid.Nil, PageSizeMax
	done := false
	return writeCSV(w, demandColumns, opts, func() ([]Demand, error) {
		if done {
			return nil, nil
		}
		page, err := c.Demands(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("export demands: %w", err)
		}
		q.After, done = page.Next, page.Next == uuid.Nil
		return page.Demands, nil
	})
}

// ExportBoard writes the demands currently on a board as CSV: those Published on it, or
// Claimed or Accepted from it. A demand that has since started, completed, been cancelled or
// expired still carries the board's id but is not on the board and is not written; use
// ExportDemands with DemandQuery.BoardID for every demand that carries it.
//
// Errors: ErrNotFound (no such board), ErrInvalid (ImportLocation nil: nothing written), a
// store error, or the writer's error.
func (c *Catalog) ExportBoard(ctx context.Context, w io.Writer, boardID uuid.UUID, opts CSVOptions) error {
	if _, err := c.Board(ctx, boardID); err != nil {
		return fmt.Errorf("export board: %w", err)
	}
	return c.ExportDemands(ctx, w, DemandQuery{BoardID: boardID, Statuses: onBoardStatuses}, opts)
}

// ExportProviders writes every provider matching q as CSV that ImportProviders reads back.
//
// Errors: ErrInvalid (bad query), a store error, or the writer's error. Nothing is written
// when the query is refused or the first page cannot be read.
func (c *Catalog) ExportProviders(ctx context.Context, w io.Writer, q ProviderQuery, opts CSVOptions) error {
	q.After, q.Limit = uuid.Nil, PageSizeMax
	done := false
	return writeCSV(w, providerColumns, opts, func() ([]Provider, error) {
		if done {
			return nil, nil
		}
		page, err := c.Providers(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("export providers: %w", err)
		}
		q.After, done = page.Next, page.Next == uuid.Nil
		return page.Providers, nil
	})
}
