package catalog

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

var weekdayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"周日": time.Sunday, "周一": time.Monday, "周二": time.Tuesday, "周三": time.Wednesday,
	"周四": time.Thursday, "周五": time.Friday, "周六": time.Saturday,
	"星期日": time.Sunday, "星期天": time.Sunday, "星期一": time.Monday, "星期二": time.Tuesday,
	"星期三": time.Wednesday, "星期四": time.Thursday, "星期五": time.Friday, "星期六": time.Saturday,
}

var weekdayCodes = [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// availabilityBytesMax bounds the text form. The longest String writes is every other hour
// all week, "sun 1-2; sun 3-4; …; sat 23-24": 84 ranges, 859 bytes; the same ranges with
// Chinese day names ("星期六 23-24") take under 1,500. Both must read back.
const availabilityBytesMax = 2048

// ParseAvailability reads the text form of a weekly availability: ranges of whole hours
// separated by ';' (or '；', '、'), each a day and hours from-to: "mon 9-12; sat 8-18",
// "周一 9-12；周六 8-18". "any" or "" is the zero value (any time).
//
// Errors: ErrInvalid for an unknown day, hours outside 0..24, an empty or inverted range, or a
// text longer than 2048 bytes.
func ParseAvailability(s string) (WeeklyAvailability, error) {
	var a WeeklyAvailability
	s = strings.TrimSpace(s)
	if len(s) > availabilityBytesMax {
		return a, errorf(ErrInvalid, "availability: %d bytes, max %d", len(s), availabilityBytesMax)
	}
	if s == "" || strings.EqualFold(s, "any") || s == "不限" {
		return a, nil
	}
	for _, part := range splitList(s) {
		fields := strings.Fields(part)
		if len(fields) != 2 {
			return WeeklyAvailability{}, errorf(ErrInvalid, "availability %q: want \"day from-to\"", part)
		}
		day, ok := weekdayNames[strings.ToLower(fields[0])]
		if !ok {
			return WeeklyAvailability{}, errorf(ErrInvalid, "availability %q: unknown day %q", part, fields[0])
		}
		from, to, ok := strings.Cut(fields[1], "-")
		if !ok {
			return WeeklyAvailability{}, errorf(ErrInvalid, "availability %q: want hours from-to", part)
		}
		f, err1 := strconv.Atoi(from)
		e, err2 := strconv.Atoi(to)
		if err1 != nil || err2 != nil || f < 0 || e > 24 || f >= e {
			return WeeklyAvailability{}, errorf(ErrInvalid, "availability %q: hours %q", part, fields[1])
		}
		a.Set(day, f, e)
	}
	return a, nil
}

// String writes the text form ParseAvailability reads: "mon 9-12; sat 8-18", or "any".
func (a WeeklyAvailability) String() string {
	if a.IsZero() {
		return "any"
	}
	var parts []string
	for day := time.Sunday; day <= time.Saturday; day++ {
		for h := 0; h < 24; {
			if !a.Has(day, h) {
				h++
				continue
			}
			start := h
			for h < 24 && a.Has(day, h) {
				h++
			}
			parts = append(parts, fmt.Sprintf("%s %d-%d", weekdayCodes[day], start, h))
		}
	}
	return strings.Join(parts, "; ")
}

// listSeparators separate the items of a spreadsheet list cell.
const listSeparators = ";；、|"

// splitList splits a spreadsheet cell holding a list: items separated by ';', '；', '、' or '|',
// trimmed, empty items dropped.
func splitList(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(listSeparators, r) })
	out := f[:0]
	for _, x := range f {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
