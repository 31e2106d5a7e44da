package synth

import (
	"net/url"
	"strconv"
	"strings"
)

// Room types, as plan.epfl.ch spells them.
const (
	typeAud     = "AUDITOIRE"
	typeClass   = "SALLE DE COURS"
	typeLab     = "LABORATOIRE"
	typeComp    = "SALLE INFORMATIQUE"
	typeUnknown = "unknown"
)

// Level markers of a roomGroup; any other value is the level itself.
const (
	levelDerive = 100 // take the first digit of a number of 3 digits or more
	levelNone   = 101 // leave the level empty
)

// roomGroup is a set of rooms of one building sharing a type and a range of
// capacities. Names are space-separated; they never contain spaces.
type roomGroup struct {
	area     string // campus area, matched by section preferences
	typ      string
	lo, hi   int // capacity range; 0, 0 when unknown
	level    int
	lat, lon float64 // centre of the building; 0, 0 when unknown
	building string  // building written on the sheet, for names it cannot be derived from
	names    string
}

// campus lists the rooms of one block, about 200, building by building.
var campus = []roomGroup{
	{"CO", typeAud, 150, 300, 0, 46.52015, 6.56520, "", "CO1 CO2 CO3 CO4 CO5 CO6"},
	{"CO", typeClass, 30, 60, levelDerive, 46.52015, 6.56520, "", "CO010 CO011 CO015 CO016 CO017 CO020 CO021 CO023"},
	{"CO", typeClass, 40, 90, levelDerive, 46.52015, 6.56520, "", "CO120 CO121 CO122 CO123 CO124"},
	{"CO", typeComp, 30, 50, levelDerive, 46.52015, 6.56520, "", "CO260 CO261"},
	{"BC", typeClass, 40, 60, 0, 46.51857, 6.56182, "", "BC01 BC02 BC03 BC04"},
	{"BC", typeComp, 40, 70, levelDerive, 46.51857, 6.56182, "", "BC07-08 BC129 BC133"},
	{"INM", typeAud, 120, 220, levelDerive, 46.51850, 6.56330, "", "INM200 INM202"},
	{"INM", typeClass, 40, 80, levelDerive, 46.51850, 6.56330, "", "INM201 INM203 INM10 INM11"},
	{"INF", typeComp, 40, 90, levelDerive, 46.51930, 6.56340, "", "INF1 INF2 INF3 INF119 INF211 INF213"},
	{"IN", typeClass, 20, 50, levelDerive, 46.51870, 6.56400, "", "INJ218 INJ114 INJ316 INJ317 INR219 INR113"},
	{"CM", typeAud, 150, 400, levelDerive, 46.51990, 6.56690, "", "CM1100 CM1120 CM1121"},
	{"CM", typeClass, 30, 100, levelDerive, 46.51990, 6.56690, "", "CM1104 CM1105 CM1106 CM1113 CM1221 CM1222 CM1517 CM1200"},
	{"CM", typeComp, 40, 60, levelDerive, 46.51990, 6.56690, "", "CM1103 CM1110"},
	{"CM", typeClass, 30, 50, -1, 46.51990, 6.56690, "", "CM010"},
	{"CE", typeAud, 150, 350, levelDerive, 46.52040, 6.56910, "", "CE1100 CE1515"},
	{"CE", typeClass, 30, 90, levelDerive, 46.52040, 6.56910, "", "CE1101 CE1103 CE1104 CE1105 CE1106 CE1108 CE1200"},
	{"CE", typeComp, 40, 60, levelDerive, 46.52040, 6.56910, "", "CE1110 CE1406"},
	{"EL", typeAud, 100, 250, 1, 46.51905, 6.56205, "", "ELA1 ELA2"},
	{"EL", typeClass, 30, 80, levelDerive, 46.51880, 6.56245, "", "ELD020 ELD120 ELG120 ELE120 ELG022"},
	{"EL", typeComp, 30, 50, levelDerive, 46.51920, 6.56160, "", "ELB114 ELB116"},
	{"EL", typeLab, 12, 30, levelDerive, 46.51880, 6.56245, "", "ELE111 ELE117 ELD013"},
	{"MA", typeClass, 30, 80, levelDerive, 46.51880, 6.56380, "", "MAA110 MAA112 MAA114 MAA328 MAA330 MAA331 MAB111 MAB211 MAC050"},
	{"BS", typeAud, 100, 250, levelDerive, 46.51840, 6.56960, "", "BS150 BS160 BS170"},
	{"BS", typeClass, 30, 60, levelDerive, 46.51840, 6.56960, "", "BS260 BS270 BS272"},
	{"BCH", typeAud, 150, 300, levelDerive, 46.52210, 6.57060, "", "BCH2201 BCH2103"},
	{"BCH", typeClass, 30, 80, levelDerive, 46.52210, 6.57060, "", "BCH2218 BCH3113 BCH4310"},
	{"BCH", typeLab, 10, 30, levelDerive, 46.52210, 6.57060, "", "BCH5310 BCH5210"},
	{"CH", typeClass, 30, 60, levelDerive, 46.51610, 6.56450, "", "CHB330 CHB331 CHC130"},
	{"CH", typeLab, 10, 24, levelDerive, 46.51610, 6.56450, "", "CHH120 CHG150"},
	{"GC", typeAud, 120, 250, levelDerive, 46.51850, 6.56650, "", "GCA330 GCB330 GCC330"},
	{"GC", typeClass, 30, 70, levelDerive, 46.51850, 6.56650, "", "GCD0386 GCA331 GCB331 GRA330 GRB330 GRC001"},
	{"GC", typeClass, 20, 50, 1, 46.51835, 6.56610, "GC", "GC_A1_416"},
	{"GC", typeClass, 20, 50, 3, 46.51870, 6.56640, "GC", "GC_B3_30"},
	{"GC", typeLab, 12, 24, 2, 46.51860, 6.56690, "GC", "GC_C2_413"},
	{"PO", typeAud, 300, 500, 0, 46.52130, 6.56500, "PO", "PO-01"},
	{"SG", typeAud, 150, 250, levelDerive, 46.51950, 6.56600, "", "SG0211 SG1138"},
	{"SG", typeClass, 30, 60, levelDerive, 46.51950, 6.56600, "", "SG0213 SG1212 SG0118 SG1120"},
	{"MX", typeClass, 20, 50, levelDerive, 46.51920, 6.56370, "", "MXF1 MXG110 MXF010 MXH203"},
	{"MX", typeLab, 10, 20, levelDerive, 46.51920, 6.56370, "", "MXC120 MXD220"},
	{"STCC", typeClass, 100, 300, levelDerive, 46.52150, 6.56850, "", "STCC08328 STCC08332"},
	{"AAC", typeClass, 20, 40, -1, 46.51700, 6.56450, "", "AAC006 AAC020"},
	{"AAC", typeClass, 20, 60, levelDerive, 46.51700, 6.56450, "", "AAC108 AAC114 AAC120 AAC132 AAC137 AAC231"},
	{"DIA", typeClass, 20, 40, levelDerive, 46.51800, 6.56600, "", "DIA003 DIA004 DIA005"},
	{"ME", typeClass, 30, 70, levelDerive, 46.51700, 6.56650, "", "MEB10 MEB331 MEC1405"},
	{"ME", typeLab, 10, 20, 0, 46.51690, 6.56700, "MED", "MED_0_1418"},
	{"ME", typeLab, 10, 20, 2, 46.51690, 6.56700, "MED", "MED_2_2919"},
	{"RLC", typeClass, 40, 70, 1, 46.51840, 6.56820, "RLC", "RLC_E1_240"},
	{"RLC", typeClass, 30, 50, 0, 46.51840, 6.56820, "RLC", "RLC_D0_220"},
	{"AI", typeClass, 20, 60, levelDerive, 46.51780, 6.56700, "", "AI1153 AI0031 AI2161"},
	{"SV", typeAud, 150, 250, levelDerive, 46.51860, 6.56560, "", "SV1717"},
	{"SV", typeAud, 80, 120, 1, 46.51860, 6.56560, "SV", "SV1717A"},
	{"SV", typeClass, 30, 60, levelDerive, 46.51860, 6.56560, "", "SV1513 SV2510 SV3512"},
	{"SV", typeLab, 10, 24, levelDerive, 46.51860, 6.56560, "", "SV0510 SV1810 SV2805"},
	{"PH", typeClass, 30, 60, levelDerive, 46.51650, 6.56500, "", "PHH332 PHL140"},
	{"PH", typeLab, 10, 20, levelDerive, 46.51650, 6.56500, "", "PHD350 PHB320"},
	{"BI", typeClass, 30, 50, 0, 46.51890, 6.56790, "BI", "BI_A0_448"},
	{"MA", typeClass, 20, 40, 1, 46.51880, 6.56380, "MA", "MA_B1_486"},
	{"CM", typeClass, 30, 80, levelDerive, 46.51990, 6.56690, "", "CM1212 CM1225 CM1230"},
	{"CE", typeClass, 30, 90, levelDerive, 46.52040, 6.56910, "", "CE1107 CE1109"},
	{"SG", typeClass, 30, 60, levelDerive, 46.51950, 6.56600, "", "SG1136 SG0216"},
	{"SV", typeClass, 30, 60, levelDerive, 46.51860, 6.56560, "", "SV1514 SV2515"},
	{"STCC", typeClass, 60, 150, levelDerive, 46.52150, 6.56850, "", "STCC08330 STCC08336"},
	{"ME", typeAud, 100, 200, 1, 46.51690, 6.56610, "", "MEA1 MEA3"},
	{"DLL", typeLab, 12, 30, levelDerive, 46.51920, 6.56250, "", "DLL001 DLL002 DLL101"},
	{"BM", typeClass, 30, 80, levelDerive, 46.52090, 6.56800, "", "BM5202 BM5101"},
	{"INF", typeComp, 30, 60, levelDerive, 46.51930, 6.56340, "", "INF015 INF016"},
	{"CH", typeClass, 30, 60, levelDerive, 46.51610, 6.56450, "", "CHB331A CHC131"},
	{"", typeUnknown, 0, 0, levelNone, 0, 0, "", "QIE0518 QIJ1143 PPB019 ODY020 ANT3 CRAT2 ZCGO1"},
}

// room is a room of a block, as the timetable generator sees it.
type room struct {
	name      string
	area      string
	typ       string
	capacity  int // 0 when unknown
	available bool
	reserved  bool // booked back-to-back all day: kept out of every pool
}

// makeRooms generates the rooms of the block and writes their rows.
func (b *block) makeRooms() {
	for _, g := range campus {
		for _, base := range strings.Fields(g.names) {
			r := &room{name: base + b.suffix, area: g.area, typ: g.typ, available: true}
			row := roomRow(r.name, g.typ)
			if g.hi > 0 {
				r.capacity = g.lo + b.rng.IntN(g.hi-g.lo+1)
				if g.hi >= 100 {
					r.capacity -= r.capacity % 10
				}
				if b.chance(0.05) {
					// On the plan, but its capacity was never measured.
					row.Capacity = ""
				} else {
					row.Capacity = strconv.Itoa(r.capacity)
				}
			} else if b.chance(0.3) {
				row.Capacity = "0" // what the scraper writes for rooms not on the plan
			}
			row.Building = g.building
			if g.building == "" && g.typ != typeUnknown && b.chance(0.03) {
				row.Building = g.area // written out although it could be derived
			}
			switch {
			case g.level == levelNone || b.chance(0.05):
			case g.level == levelDerive:
				row.Level = strconv.Itoa(deriveLevel(base))
			default:
				row.Level = strconv.Itoa(g.level)
			}
			if g.lat != 0 || b.chance(0.5) {
				lat, lon := g.lat, g.lon
				if lat == 0 {
					lat, lon = 46.5200, 6.5660
				}
				row.Latitude = strconv.FormatFloat(lat+b.jitter(0.0003), 'f', 6, 64)
				row.Longitude = strconv.FormatFloat(lon+b.jitter(0.0004), 'f', 6, 64)
			}
			if g.typ != typeUnknown && !b.chance(0.08) {
				row.Link = "https://plan.epfl.ch/?room==" + url.PathEscape(planName(r.name))
			}
			if b.chance(0.3) {
				row.Available = "true"
			}
			b.rooms = append(b.rooms, r)
			b.roomRows = append(b.roomRows, row)
		}
	}
	// A few rooms are withdrawn (under renovation): listed, but no longer
	// offered, and not used by the timetable.
	for n := 0; n < 3; {
		i := b.rng.IntN(len(b.rooms))
		if r := b.rooms[i]; r.available && r.typ != typeAud {
			r.available = false
			b.roomRows[i].Available = "false"
			n++
		}
	}
	b.w.raw.Rooms.Rows = append(b.w.raw.Rooms.Rows, b.roomRows...)
}

// deriveLevel reads the floor from a room number: the first digit of a
// number of three digits or more ("CM1120" is on level 1), else 0.
func deriveLevel(name string) int {
	i := strings.IndexAny(name, "0123456789")
	if i < 0 {
		return 0
	}
	j := i
	for j < len(name) && name[j] >= '0' && name[j] <= '9' {
		j++
	}
	if j-i < 3 {
		return 0
	}
	return int(name[i] - '0')
}

// planName spells a room name as plan.epfl.ch does: "CO 1", "GC A1 416",
// "PO 01".
func planName(name string) string {
	if strings.Contains(name, "_") {
		return strings.ReplaceAll(name, "_", " ")
	}
	i := strings.IndexAny(name, "0123456789-")
	if i <= 0 {
		return name
	}
	if name[i] == '-' {
		return name[:i] + " " + name[i+1:]
	}
	return name[:i] + " " + name[i:]
}
