package catalog

import (
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Grid levels: the depth of a GridPath. The hierarchy of urban governance is street (街道) →
// community (社区) → grid (网格) → building (楼栋).
const (
	LevelStreet    = 1
	LevelCommunity = 2
	LevelGrid      = 3
	LevelBuilding  = 4
)

// Limits on grid paths.
const (
	GridDepthMax        = LevelBuilding // a path has 1..GridDepthMax segments
	GridSegmentBytesMax = 64            // one segment's name, in bytes of UTF-8
	gridSeparator       = "/"
	// gridSeparatorFullWidth is how a Chinese input method types the separator; ParseGridPath
	// reads it as gridSeparator, and no canonical path holds it.
	gridSeparatorFullWidth = "／"
)

// GridPath names a node of the grid tree (微网格) as '/'-joined segments from the street down:
// "幸福街道/阳光社区/3网格/5栋". One segment is a street, two a community, three a grid, four a
// building. The zero value is the empty path, which is not valid for a demand or provider.
// Build paths with ParseGridPath or NewGridPath so they are canonical; then two paths naming
// the same node are equal strings.
type GridPath string

// NewGridPath joins segments into a path and validates it.
//
// Errors: ErrInvalid if there are no segments or more than GridDepthMax, or a segment is empty,
// longer than GridSegmentBytesMax, contains '/' or '／', a control character, an invisible format
// character (Unicode category Cf: a zero-width space, a byte-order mark), leading or trailing
// spaces, or invalid UTF-8.
func NewGridPath(segments ...string) (GridPath, error) {
	if len(segments) == 0 || len(segments) > GridDepthMax {
		return "", errorf(ErrInvalid, "grid path: %d segments, want 1..%d", len(segments), GridDepthMax)
	}
	for i, s := range segments {
		if err := validGridSegment(s); err != nil {
			return "", errorf(ErrInvalid, "grid path segment %d %q: %v", i+1, s, err)
		}
	}
	return GridPath(strings.Join(segments, gridSeparator)), nil
}

// ParseGridPath parses "street/community/grid/building" (1..4 segments). Surrounding spaces of
// each segment are trimmed, so "幸福街道 / 阳光社区" parses to "幸福街道/阳光社区", and the
// full-width solidus '／' a Chinese input method types separates segments as '/' does.
//
// Errors: ErrInvalid as for NewGridPath.
func ParseGridPath(s string) (GridPath, error) {
	if len(s) > GridDepthMax*(GridSegmentBytesMax+8) {
		return "", errorf(ErrInvalid, "grid path: %d bytes is too long", len(s))
	}
	parts := strings.Split(strings.ReplaceAll(s, gridSeparatorFullWidth, gridSeparator), gridSeparator)
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return NewGridPath(parts...)
}

func validGridSegment(s string) error {
	switch {
	case s == "":
		return errString("empty")
	case len(s) > GridSegmentBytesMax:
		return errString("too long")
	case !utf8.ValidString(s):
		return errString("not UTF-8")
	case strings.TrimSpace(s) != s:
		return errString("leading or trailing space")
	}
	for _, r := range s {
		if r == '/' || r == '／' || unicode.IsControl(r) {
			return errString("contains '/', '／' or a control character")
		}
		// A format character (zero-width space, byte-order mark, bidirectional override) is
		// invisible: the path would look like another node's and not be equal to it.
		if unicode.Is(unicode.Cf, r) {
			return errString(fmt.Sprintf("contains the invisible format character %U", r))
		}
	}
	return nil
}

type errString string

func (e errString) Error() string { return string(e) }

// Validate reports whether p is a canonical path.
//
// Errors: ErrInvalid as for NewGridPath.
func (p GridPath) Validate() error {
	_, err := NewGridPath(p.Segments()...)
	return err
}

// Segments returns the path's segments from the street down; nil for the empty path.
func (p GridPath) Segments() []string {
	if p == "" {
		return nil
	}
	return strings.Split(string(p), gridSeparator)
}

// Depth is the number of segments: LevelStreet .. LevelBuilding, 0 for the empty path.
func (p GridPath) Depth() int {
	if p == "" {
		return 0
	}
	return strings.Count(string(p), gridSeparator) + 1
}

// Truncate returns the ancestor of p at the given level (p itself if it is not deeper).
// Truncate(LevelCommunity) is the community a demand belongs to.
func (p GridPath) Truncate(level int) GridPath {
	if level <= 0 {
		return ""
	}
	s := string(p)
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			level--
			if level == 0 {
				return GridPath(s[:i])
			}
		}
	}
	return p
}

// Community returns the community (社区) level ancestor of p, or p if it names a street.
func (p GridPath) Community() GridPath { return p.Truncate(LevelCommunity) }

// Parent returns the path one level up; the empty path for a street.
func (p GridPath) Parent() GridPath {
	if i := strings.LastIndex(string(p), gridSeparator); i >= 0 {
		return p[:i]
	}
	return ""
}

// Within reports whether p lies in the subtree rooted at ancestor (p itself included). Every
// path lies within the empty path.
func (p GridPath) Within(ancestor GridPath) bool {
	if ancestor == "" || p == ancestor {
		return true
	}
	return strings.HasPrefix(string(p), string(ancestor)) && p[len(ancestor)] == '/'
}

// Distance is the tree distance between two nodes: the number of edges on the path from a up to
// their deepest common ancestor and down to b. Two buildings of one grid are 2 apart, of two
// grids of one community 4 apart.
func (p GridPath) Distance(q GridPath) int {
	a, b := p.Segments(), q.Segments()
	common := 0
	for common < len(a) && common < len(b) && a[common] == b[common] {
		common++
	}
	return len(a) - common + len(b) - common
}

// Coordinates is a point in WGS-84 degrees. The zero value means "not known": no place served
// by this library lies at 0°N 0°E.
type Coordinates struct {
	Lat, Lng float64
}

// IsZero reports whether c is the unknown point.
func (c Coordinates) IsZero() bool { return c.Lat == 0 && c.Lng == 0 }

// Validate checks the ranges of latitude and longitude.
//
// Errors: ErrInvalid if Lat is outside [-90, 90], Lng outside [-180, 180], or either is NaN.
func (c Coordinates) Validate() error {
	if !(c.Lat >= -90 && c.Lat <= 90 && c.Lng >= -180 && c.Lng <= 180) {
		return errorf(ErrInvalid, "coordinates %v,%v out of range", c.Lat, c.Lng)
	}
	return nil
}

// Walking distance constants. A 15-minute walk (the 15-minute life circle, 15分钟生活圈) covers
// about one kilometre of street once crossings and detours are counted.
const (
	earthRadiusMeters         = 6371008.8
	WalkingDetourFactor       = 1.3    // street-network distance over straight-line distance in a city
	FifteenMinuteCircleMeters = 1000.0 // walking distance of the 15-minute circle
)

// StraightMeters is the great-circle distance between a and b in metres (haversine).
func StraightMeters(a, b Coordinates) float64 {
	const rad = math.Pi / 180
	dLat := (b.Lat - a.Lat) * rad
	dLng := (b.Lng - a.Lng) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthRadiusMeters * math.Asin(math.Min(1, math.Sqrt(h)))
}

// WalkingMeters estimates the walking distance between a and b: the straight-line distance
// times WalkingDetourFactor. It does not know the street map; it is a ranking estimate.
func WalkingMeters(a, b Coordinates) float64 {
	return StraightMeters(a, b) * WalkingDetourFactor
}

// WithinFifteenMinutes reports whether b is within the 15-minute walking circle of a. Unknown
// coordinates are never within.
func WithinFifteenMinutes(a, b Coordinates) bool {
	if a.IsZero() || b.IsZero() {
		return false
	}
	return WalkingMeters(a, b) <= FifteenMinuteCircleMeters
}

// Location is where a demand is served: its grid node and, if known, its coordinates.
type Location struct {
	Grid GridPath
	At   Coordinates // zero: unknown
}

// Validate checks the grid path (at least community level) and the coordinates if known.
//
// Errors: ErrInvalid.
func (l Location) Validate() error {
	if err := l.Grid.Validate(); err != nil {
		return err
	}
	if l.Grid.Depth() < LevelCommunity {
		return errorf(ErrInvalid, "location %q: need at least street/community", l.Grid)
	}
	if !l.At.IsZero() {
		return l.At.Validate()
	}
	return nil
}
