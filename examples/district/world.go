package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/tongxin/tongxin/catalog"
)

// Sizes of the synthetic district at scale 1.0, from the practice's own figures (DESIGN.md §1):
// a district of about a million residents with 66 communities, ~500 grids, 3,000+ in-service
// party members, 230 micro-teams and 260+ co-building units. Residents on the platform are the
// share of the population that posts or serves, not every inhabitant.
const (
	communitiesAtScale1   = 66
	gridsPerCommunityMin  = 5
	gridsPerCommunityMax  = 10 // 66 communities × 7.5 ≈ 500 grids
	buildingsPerGridMin   = 6
	buildingsPerGridMax   = 14
	communitiesPerStreet  = 6
	residentsAtScale1     = 60_000
	volunteersAtScale1    = 20_000
	inServicePartyAtScale = 3_000 // 在职党员双报到, on top of the resident volunteers
	teamsAtScale1         = 230
	unitsAtScale1         = 260
	socialOrgsAtScale1    = 30
	communitiesMin        = 2 // the smallest district still exchanges time-bank hours
	teamMembersMin        = 3
	teamMembersMax        = 8
)

// Coordinates of the synthetic district: communities on a lattice 1.6 km apart, grids within
// 350 m of their community's centre and buildings within 100 m of their grid's, so that most
// of a community lies inside one 15-minute walking circle and neighbouring ones do not.
const (
	districtLat          = 30.60
	districtLng          = 114.30
	communitySpacingM    = 1600.0
	gridSpreadM          = 350.0
	buildingSpreadM      = 100.0
	metersPerDegreeLat   = 111_320.0
	elderlyAge           = 60
	timeBankWithdrawAge  = 65 // AgePolicy(65, 60): hours saved while young are spent in old age
	timeBankHardshipAge  = 60
	skillsPerVolunteerMx = 3
)

var streetWords = []string{"城关", "东城", "西城", "南湖", "北关", "新城", "江滨", "河西", "高新", "临港", "湖滨", "江北"}

var communityWords = []string{
	"阳光", "和平", "幸福", "丽景", "金桥", "翠湖", "长青", "春晖", "明珠", "锦绣", "东湖", "西苑", "南山", "北辰",
	"花园", "滨河", "朝阳", "秀水", "新华", "建设", "友谊", "团结", "光明", "育才", "文化", "胜利", "民主", "繁荣",
	"安居", "康乐", "青年", "紫荆", "桂花", "梧桐", "枫林", "银杏", "碧水", "清泉", "龙湾", "凤凰",
}

var surnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "胡", "朱", "郭", "何", "林", "罗", "高"}

type street struct {
	name        string
	path        catalog.GridPath
	communities []int
}

type community struct {
	name      string
	segment   string // account segment of its points scheme and time bank: "c01"
	path      catalog.GridPath
	street    int
	center    catalog.Coordinates
	grids     []int
	buildings []int
	residents []int
	elderly   []int // residents aged 60 and over
	parents   []int // residents 25..50: post tutoring and childcare wishes
	priority  []int // residents with a priority flag (重点人群)
	providers []int // volunteers and teams at home in the community
	weight    float64
}

type grid struct {
	path      catalog.GridPath
	community int
	center    catalog.Coordinates
	buildings []int
}

type building struct {
	path      catalog.GridPath
	at        catalog.Coordinates
	community int
}

// resident is one person on the platform's register. The catalog stores only the opaque id and
// a display name; age and hardship stay in the community's register (here) and are what the
// time bank's withdrawal policy decides on.
type resident struct {
	id        string // opaque register id, "r000123"
	name      string
	community int
	building  int
	age       int
	priority  catalog.Priority
	parent    int // a parent on the register (-1: none): time-bank gifts go to them
	volunteer int // index into world.providers (-1: not a volunteer)
}

// providerSpec is one entry of the resource list before registration, with what the
// simulation needs to know about its behaviour.
type providerSpec struct {
	p         catalog.Provider
	community int // home community (-1 for units and organisations serving a street or more)
	street    int
	resident  int     // the person (volunteers), -1 otherwise
	activity  float64 // how often it looks at a board, relative to the others
}

type world struct {
	streets     []street
	communities []community
	grids       []grid
	buildings   []building
	residents   []resident
	providers   []providerSpec
}

// volunteerSkills are what resident volunteers offer, with weights: repairs and visits are
// common, professional skills rare.
var volunteerSkills = []struct {
	skill  catalog.Skill
	weight float64
}{
	{"repair_general", 8}, {"repair_electric", 6}, {"repair_appliance", 4}, {"haircut", 4},
	{"companionship", 12}, {"meal_delivery", 8}, {"tutoring", 9}, {"childcare", 5},
	{"cleaning", 10}, {"culture_sport", 6}, {"goods_delivery", 8}, {"digital_literacy", 7},
}

// professionalSkills are the skills of professionals (lawyers in grids, doctors): 愁事专业匹配.
var professionalSkills = []catalog.Skill{"legal_advice", "medical", "counselling", "mediation"}

type teamKind struct {
	name   string
	skills []catalog.Skill
}

var teamKinds = []teamKind{
	{"义务理发队", []catalog.Skill{"haircut"}},
	{"维修服务队", []catalog.Skill{"repair_general", "repair_electric", "repair_appliance"}},
	{"爱心助餐队", []catalog.Skill{"meal_delivery", "companionship"}},
	{"环境清洁队", []catalog.Skill{"cleaning"}},
	{"文体宣传队", []catalog.Skill{"culture_sport"}},
	{"四点半课堂", []catalog.Skill{"tutoring", "childcare"}},
	{"物资帮扶队", []catalog.Skill{"goods_delivery"}},
}

// unitFunctions gives each function of a co-building unit (职能分工) the skills its staff bring,
// so that the catalog's skill check and the matcher's function routing agree.
var unitFunctions = []struct {
	function catalog.Function
	name     string
	skills   []catalog.Skill
}{
	{catalog.FunctionLegalAid, "司法所", []catalog.Skill{"legal_advice", "mediation"}},
	{catalog.FunctionHealth, "社区卫生服务中心", []catalog.Skill{"medical", "counselling"}},
	{catalog.FunctionUrbanManagement, "城管执法中队", []catalog.Skill{"urban_management", "construction", "cleaning"}},
	{catalog.FunctionHousing, "物业公司", []catalog.Skill{"construction", "repair_general"}},
	{catalog.FunctionCivilAffairs, "民政办", []catalog.Skill{"project_management", "companionship", "mediation"}},
	{catalog.FunctionCulture, "文化馆", []catalog.Skill{"culture_sport", "project_management"}},
	{catalog.FunctionEmployment, "人社服务站", []catalog.Skill{"job_training"}},
	{catalog.FunctionEnvironment, "生态环境所", []catalog.Skill{"cleaning", "urban_management"}},
	{catalog.FunctionEducation, "中心小学", []catalog.Skill{"tutoring", "childcare"}},
	{catalog.FunctionPublicSecurity, "派出所", []catalog.Skill{"mediation"}},
	{catalog.FunctionEmergency, "消防救援站", []catalog.Skill{"repair_electric", "construction"}},
}

// scaled returns n × scale rounded, at least lo.
func scaled(n int, scale float64, lo int) int {
	return max(lo, int(math.Round(float64(n)*scale)))
}

// offset moves c by (north, east) metres.
func offset(c catalog.Coordinates, northM, eastM float64) catalog.Coordinates {
	lat := c.Lat + northM/metersPerDegreeLat
	lng := c.Lng + eastM/(metersPerDegreeLat*math.Cos(c.Lat*math.Pi/180))
	return catalog.Coordinates{Lat: lat, Lng: lng}
}

func spread(r *rand.Rand, c catalog.Coordinates, radiusM float64) catalog.Coordinates {
	return offset(c, (r.Float64()*2-1)*radiusM, (r.Float64()*2-1)*radiusM)
}

// buildWorld generates the district from the seed: the same seed and scale give the same
// district, record for record.
func buildWorld(seed uint64, scale float64) (*world, error) {
	r := rand.New(rand.NewPCG(seed, 0x5eed_0001))
	w := &world{}
	nCommunities := scaled(communitiesAtScale1, scale, communitiesMin)
	nStreets := (nCommunities + communitiesPerStreet - 1) / communitiesPerStreet
	if nStreets > len(streetWords) {
		return nil, fmt.Errorf("scale %.3g: %d streets, at most %d", scale, nStreets, len(streetWords))
	}
	if nCommunities > len(communityWords)*3 {
		return nil, fmt.Errorf("scale %.3g: %d communities, at most %d", scale, nCommunities, len(communityWords)*3)
	}
	for s := range nStreets {
		path, err := catalog.NewGridPath(streetWords[s] + "街道")
		if err != nil {
			return nil, err
		}
		w.streets = append(w.streets, street{name: streetWords[s] + "街道", path: path})
	}
	side := int(math.Ceil(math.Sqrt(float64(nCommunities))))
	district := catalog.Coordinates{Lat: districtLat, Lng: districtLng}
	suffixes := []string{"社区", "新村社区", "花园社区"}
	for c := range nCommunities {
		st := c % nStreets
		name := communityWords[c%len(communityWords)] + suffixes[c/len(communityWords)]
		path, err := catalog.NewGridPath(w.streets[st].name, name)
		if err != nil {
			return nil, err
		}
		center := offset(district, float64(c/side)*communitySpacingM, float64(c%side)*communitySpacingM)
		w.communities = append(w.communities, community{
			name: name, segment: fmt.Sprintf("c%02d", c+1), path: path, street: st, center: center,
			weight: 0.6 + 0.8*r.Float64(),
		})
		w.streets[st].communities = append(w.streets[st].communities, c)
		nGrids := gridsPerCommunityMin + r.IntN(gridsPerCommunityMax-gridsPerCommunityMin+1)
		for g := range nGrids {
			gpath, err := catalog.NewGridPath(w.streets[st].name, name, fmt.Sprintf("第%d网格", g+1))
			if err != nil {
				return nil, err
			}
			gi := len(w.grids)
			gcenter := spread(r, center, gridSpreadM)
			w.grids = append(w.grids, grid{path: gpath, community: c, center: gcenter})
			w.communities[c].grids = append(w.communities[c].grids, gi)
			nBuildings := buildingsPerGridMin + r.IntN(buildingsPerGridMax-buildingsPerGridMin+1)
			for b := range nBuildings {
				bpath, err := catalog.NewGridPath(w.streets[st].name, name, fmt.Sprintf("第%d网格", g+1), fmt.Sprintf("%d栋", b+1))
				if err != nil {
					return nil, err
				}
				bi := len(w.buildings)
				w.buildings = append(w.buildings, building{path: bpath, at: spread(r, gcenter, buildingSpreadM), community: c})
				w.grids[gi].buildings = append(w.grids[gi].buildings, bi)
				w.communities[c].buildings = append(w.communities[c].buildings, bi)
			}
		}
	}
	w.makeResidents(r, scaled(residentsAtScale1, scale, 50*nCommunities))
	w.makeVolunteers(r, scaled(volunteersAtScale1, scale, 15*nCommunities), scaled(inServicePartyAtScale, scale, 2*nCommunities))
	w.makeTeams(r, scaled(teamsAtScale1, scale, nCommunities))
	w.makeOrganisations(r, scaled(unitsAtScale1, scale, 2*nStreets+1), scaled(socialOrgsAtScale1, scale, 1))
	return w, nil
}

func (w *world) pickCommunity(r *rand.Rand) int {
	total := 0.0
	for i := range w.communities {
		total += w.communities[i].weight
	}
	x := r.Float64() * total
	for i := range w.communities {
		x -= w.communities[i].weight
		if x < 0 {
			return i
		}
	}
	return len(w.communities) - 1
}

// age draws an adult-heavy age pyramid of the people who use the platform.
func drawAge(r *rand.Rand) int {
	switch x := r.Float64(); {
	case x < 0.08:
		return 6 + r.IntN(12)
	case x < 0.36:
		return 18 + r.IntN(22)
	case x < 0.64:
		return 40 + r.IntN(20)
	case x < 0.86:
		return 60 + r.IntN(15)
	default:
		return 75 + r.IntN(18)
	}
}

func (w *world) makeResidents(r *rand.Rand, n int) {
	for i := range n {
		c := w.pickCommunity(r)
		com := &w.communities[c]
		res := resident{
			id:        fmt.Sprintf("r%06d", i+1),
			name:      surnames[r.IntN(len(surnames))] + []string{"阿姨", "大爷", "奶奶", "爷爷", "女士", "先生", "同学"}[r.IntN(7)],
			community: c, building: com.buildings[r.IntN(len(com.buildings))],
			age: drawAge(r), parent: -1, volunteer: -1,
		}
		if res.age >= 70 && r.Float64() < 0.25 {
			res.priority |= catalog.PriorityElderlyAlone
		}
		if r.Float64() < 0.02 {
			res.priority |= catalog.PriorityDisabled
		}
		if r.Float64() < 0.04 {
			res.priority |= catalog.PriorityHardship
		}
		if res.age < 18 && r.Float64() < 0.3 {
			res.priority |= catalog.PriorityChildren
		}
		w.residents = append(w.residents, res)
		com.residents = append(com.residents, i)
		if res.age >= elderlyAge {
			com.elderly = append(com.elderly, i)
		}
		if res.age >= 25 && res.age <= 50 {
			com.parents = append(com.parents, i)
		}
		if res.priority.Any() {
			com.priority = append(com.priority, i)
		}
	}
	// Parents: an adult's parent is an elderly resident, usually of the same community, sometimes
	// of another one (then hours given to them are spent across communities: 通存通兑).
	for i := range w.residents {
		res := &w.residents[i]
		if res.age < 25 || res.age > 55 || r.Float64() < 0.4 {
			continue
		}
		c := res.community
		if r.Float64() < 0.2 {
			c = r.IntN(len(w.communities))
		}
		if el := w.communities[c].elderly; len(el) > 0 {
			res.parent = el[r.IntN(len(el))]
		}
	}
}

func pickSkill(r *rand.Rand) catalog.Skill {
	total := 0.0
	for _, s := range volunteerSkills {
		total += s.weight
	}
	x := r.Float64() * total
	for _, s := range volunteerSkills {
		x -= s.weight
		if x < 0 {
			return s.skill
		}
	}
	return volunteerSkills[0].skill
}

// activity draws a heavy-tailed propensity to serve: a few volunteers do much of the work.
func drawActivity(r *rand.Rand) float64 {
	return math.Min(20, 1/math.Pow(1-r.Float64()*0.95, 0.8))
}

func (w *world) makeVolunteers(r *rand.Rand, n, inServiceParty int) {
	for k := range n + inServiceParty {
		// Volunteers are residents aged 16..80; draw until one fits and is not yet a volunteer.
		ri := -1
		for range 64 {
			cand := r.IntN(len(w.residents))
			if res := &w.residents[cand]; res.volunteer < 0 && res.age >= 16 && res.age <= 80 {
				ri = cand
				break
			}
		}
		if ri < 0 {
			continue
		}
		res := &w.residents[ri]
		com := &w.communities[res.community]
		b := w.buildings[res.building]
		p := catalog.Provider{
			Kind: catalog.Volunteer, Name: surnames[r.IntN(len(surnames))] + "志愿者", PersonID: res.id,
			Home: b.path, At: b.at, Capacity: 1 + r.IntN(3),
		}
		for range 1 + r.IntN(skillsPerVolunteerMx) {
			if s := pickSkill(r); !p.HasSkills([]catalog.Skill{s}) {
				p.Skills = append(p.Skills, s)
			}
		}
		if k >= n {
			// In-service party members (在职党员双报到) serve evenings and weekends.
			p.Flags |= catalog.FlagPartyMember | catalog.FlagInServiceParty
			p.Name = surnames[r.IntN(len(surnames))] + "党员"
			for d := 1; d <= 5; d++ {
				p.Availability.Set(time.Weekday(d), 18, 21)
			}
			p.Availability.Set(time.Weekday(0), 8, 18)
			p.Availability.Set(time.Weekday(6), 8, 18)
		} else if r.Float64() < 0.15 {
			p.Flags |= catalog.FlagPartyMember
		}
		if r.Float64() < 0.02 {
			p.Flags |= catalog.FlagProfessional
			p.Skills = append(p.Skills, professionalSkills[r.IntN(len(professionalSkills))])
		}
		res.volunteer = len(w.providers)
		w.providers = append(w.providers, providerSpec{p: p, community: res.community, street: com.street, resident: ri, activity: drawActivity(r)})
		com.providers = append(com.providers, res.volunteer)
	}
}

func (w *world) makeTeams(r *rand.Rand, n int) {
	inTeam := make(map[int]bool) // a resident belongs to at most one team in the synthetic world
	for t := range n {
		c := t % len(w.communities)
		com := &w.communities[c]
		kind := teamKinds[r.IntN(len(teamKinds))]
		p := catalog.Provider{
			Kind: catalog.Team, Name: com.name + kind.name, Skills: kind.skills,
			Home: com.path, At: com.center, Capacity: 3 + r.IntN(6),
		}
		want := teamMembersMin + r.IntN(teamMembersMax-teamMembersMin+1)
		for range 8 * want {
			if len(p.Members) == want {
				break
			}
			ri := com.residents[r.IntN(len(com.residents))]
			if inTeam[ri] {
				continue
			}
			inTeam[ri] = true
			p.Members = append(p.Members, catalog.Member{PersonID: w.residents[ri].id, Name: w.residents[ri].name})
		}
		idx := len(w.providers)
		w.providers = append(w.providers, providerSpec{p: p, community: c, street: com.street, resident: -1, activity: 2 + 4*r.Float64()})
		com.providers = append(com.providers, idx)
	}
}

func (w *world) makeOrganisations(r *rand.Rand, units, socialOrgs int) {
	for u := range units {
		st := u % len(w.streets)
		s := w.streets[st]
		p := catalog.Provider{Kind: catalog.Unit, Home: s.path, Capacity: 4 + r.IntN(8)}
		first := r.IntN(len(unitFunctions))
		for k := range 1 + r.IntN(2) {
			f := unitFunctions[(first+k*3)%len(unitFunctions)]
			if k == 0 {
				p.Name = fmt.Sprintf("%s%s", strings2(s.name), f.name)
			}
			p.Functions = append(p.Functions, f.function)
			for _, sk := range f.skills {
				if !p.HasSkills([]catalog.Skill{sk}) {
					p.Skills = append(p.Skills, sk)
				}
			}
		}
		p.Name = fmt.Sprintf("%s%d", p.Name, u/len(unitFunctions)+1)
		if r.Float64() < 0.1 {
			// A district-level unit serves every street.
			for _, s2 := range w.streets {
				p.ServiceArea = append(p.ServiceArea, s2.path)
			}
		}
		if len(p.Functions) > 0 && r.Float64() < 0.3 {
			p.Flags |= catalog.FlagProfessional
		}
		w.providers = append(w.providers, providerSpec{p: p, community: -1, street: st, resident: -1, activity: 1 + r.Float64()})
	}
	for o := range socialOrgs {
		st := o % len(w.streets)
		p := catalog.Provider{
			Kind: catalog.SocialOrg, Name: fmt.Sprintf("%s社工服务中心%d", strings2(w.streets[st].name), o/len(w.streets)+1),
			Home: w.streets[st].path, Capacity: 3 + r.IntN(5),
			Functions: []catalog.Function{catalog.FunctionCivilAffairs, catalog.FunctionCulture},
			Skills:    []catalog.Skill{"project_management", "companionship", "meal_delivery", "culture_sport", "job_training"},
		}
		w.providers = append(w.providers, providerSpec{p: p, community: -1, street: st, resident: -1, activity: 1 + r.Float64()})
	}
}

// strings2 drops the trailing "街道" of a street name for unit names.
func strings2(streetName string) string {
	const suffix = "街道"
	if len(streetName) > len(suffix) && streetName[len(streetName)-len(suffix):] == suffix {
		return streetName[:len(streetName)-len(suffix)]
	}
	return streetName
}
