package synth

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// section is a teaching section: it owns a course prefix and, when it has
// units, one study plan per promo.
type section struct {
	code   string   // "IN"
	name   string   // "Informatique"
	prefix string   // course code prefix: "CS"
	areas  []string // campus areas it teaches in, preferred first
	plans  bool     // whether it has units (HUM and ENG only serve others)
	minor  bool     // whether it also has a minor, in both semesters
	// topics of its courses; "fr:" marks a French one.
	topics []string
}

var sections = []section{
	{"AR", "Architecture", "AR", []string{"SG", "AAC", "PO", "DIA", "BC"}, true, false, []string{
		"fr:Théorie de l'architecture", "fr:Histoire de l'architecture", "fr:Studio de projet", "fr:Construction",
		"fr:Urbanisme", "fr:Structures", "fr:Dessin", "Architectural design", "Building physics",
		"Landscape architecture", "Urban design", "Digital fabrication", "Heritage conservation", "Housing",
		"Sustainable building"}},
	{"CGC", "Chimie et génie chimique", "CH", []string{"CH", "BCH", "CE", "CM"}, true, false, []string{
		"fr:Chimie générale", "fr:Chimie organique", "fr:Chimie inorganique", "fr:Chimie physique",
		"fr:Chimie analytique", "fr:Génie chimique", "Catalysis", "Spectroscopy", "Polymer chemistry",
		"Reaction engineering", "Separation processes", "Medicinal chemistry", "Electrochemistry",
		"Computational chemistry", "Supramolecular chemistry"}},
	{"EL", "Génie électrique et électronique", "EE", []string{"EL", "CM", "CO", "BC"}, true, false, []string{
		"fr:Électrotechnique", "fr:Circuits et systèmes", "fr:Électronique", "fr:Signaux et systèmes",
		"fr:Logique numérique", "fr:Électromagnétisme", "Analog circuits design", "VLSI design",
		"Power electronics", "Control systems", "Digital signal processing", "Embedded systems", "RF circuits",
		"Photonic systems", "Electric power systems", "Microelectronics"}},
	{"GC", "Génie civil", "CIVIL", []string{"GC", "CE", "BS", "RLC"}, true, false, []string{
		"fr:Mécanique des structures", "fr:Géotechnique", "fr:Hydraulique", "fr:Résistance des matériaux",
		"fr:Béton armé", "fr:Construction métallique", "fr:Topographie", "Structural dynamics",
		"Transportation systems", "Earthquake engineering", "Rock mechanics", "Bridge design",
		"Timber structures", "Engineering hydraulics", "Construction management"}},
	{"GM", "Génie mécanique", "ME", []string{"ME", "CM", "CE", "MX"}, true, false, []string{
		"fr:Mécanique des fluides", "fr:Thermodynamique", "fr:Dessin technique", "fr:Conception mécanique",
		"fr:Mécanique des milieux continus", "fr:Vibrations", "Heat and mass transfer", "Turbomachines",
		"Robotics", "Manufacturing technologies", "Computational fluid dynamics", "Energy conversion",
		"Biomechanics", "Aerodynamics", "Finite element method"}},
	{"IN", "Informatique", "CS", []string{"INM", "INF", "BC", "CO", "IN", "CM"}, true, true, []string{
		"fr:Programmation orientée système", "fr:Théorie du calcul", "fr:Structures discrètes",
		"fr:Conception de systèmes numériques", "fr:Pratique de la programmation orientée-objet",
		"Software engineering", "Algorithms", "Computer architecture", "Operating systems", "Databases",
		"Computer networks", "Machine learning", "Compiler construction", "Distributed systems",
		"Computer security", "Concurrent algorithms", "Functional programming", "Computer graphics",
		"Natural language processing", "Data visualization", "Cryptography", "Formal verification",
		"Human computer interaction"}},
	{"MA", "Mathématiques", "MATH", []string{"MA", "CM", "CE", "CO"}, true, true, []string{
		"fr:Analyse", "fr:Algèbre linéaire", "fr:Géométrie", "fr:Probabilités", "fr:Topologie",
		"fr:Analyse numérique", "fr:Statistique", "fr:Théorie des groupes", "fr:Analyse complexe",
		"fr:Équations différentielles", "Measure and integration", "Functional analysis",
		"Algebraic geometry", "Number theory", "Stochastic calculus", "Optimization", "Differential geometry",
		"Representation theory", "Numerical methods for PDEs", "Statistical learning theory"}},
	{"MT", "Microtechnique", "MICRO", []string{"ME", "AI", "CM", "MX"}, true, false, []string{
		"fr:Microtechnique", "fr:Capteurs", "fr:Conception de mécanismes", "fr:Microprocesseurs",
		"fr:Optique appliquée", "Micro and nanofabrication", "Mobile robots", "Haptics", "Image processing",
		"Microfluidics", "Watchmaking technology", "Mechatronics", "Lasers", "Medical devices"}},
	{"MX", "Science et génie des matériaux", "MSE", []string{"MX", "CM", "CH"}, true, false, []string{
		"fr:Science des matériaux", "fr:Chimie des matériaux", "fr:Cristallographie", "fr:Métallurgie",
		"fr:Céramiques", "Polymer science", "Composite materials", "Materials characterization", "Thin films",
		"Corrosion", "Biomaterials", "Phase transformations", "Electron microscopy", "Materials modelling"}},
	{"PH", "Physique", "PHYS", []string{"PH", "CE", "CM", "BS"}, true, false, []string{
		"fr:Physique générale : mécanique", "fr:Physique générale : électromagnétisme",
		"fr:Physique générale : thermodynamique", "fr:Physique quantique", "fr:Mécanique analytique",
		"fr:Physique statistique", "fr:Électrodynamique", "fr:Optique", "Quantum field theory",
		"Solid state physics", "Nuclear and particle physics", "Astrophysics", "General relativity",
		"Plasma physics", "Biophysics", "Quantum optics", "Computational physics"}},
	{"SC", "Systèmes de communication", "COM", []string{"BC", "INM", "INF", "CO"}, true, false, []string{
		"fr:Théorie de l'information", "fr:Réseaux informatiques", "fr:Traitement du signal",
		"fr:Probabilités et statistique", "Information theory and coding", "Wireless communications",
		"Mobile networks", "Network security", "Advanced cryptography", "Signal processing for communications",
		"Distributed algorithms", "Randomized algorithms", "Internet analytics", "Coding theory"}},
	{"SIE", "Sciences et ingénierie de l'environnement", "ENV", []string{"GC", "BS", "AAC", "DIA"}, true, false, []string{
		"fr:Hydrologie", "fr:Écologie", "fr:Chimie de l'environnement", "fr:Aménagement du territoire",
		"fr:Traitement des eaux", "Climate science", "Atmospheric processes", "Environmental modelling",
		"Remote sensing", "Air pollution", "Soil mechanics", "Renewable energy systems",
		"Geographic information systems", "Environmental impact assessment"}},
	{"SV", "Sciences et technologies du vivant", "BIO", []string{"SV", "AI", "AAC", "BS"}, true, false, []string{
		"fr:Biologie cellulaire", "fr:Biochimie", "fr:Génétique", "fr:Biologie moléculaire", "fr:Physiologie",
		"fr:Immunologie", "Neuroscience", "Systems biology", "Bioinformatics", "Structural biology",
		"Developmental biology", "Cancer biology", "Synthetic biology", "Microbiology", "Tissue engineering"}},
	{"SHS", "Sciences humaines et sociales", "HUM", []string{"CO", "CM", "CE", "BC", "DIA"}, false, false, []string{
		"fr:Histoire des sciences", "fr:Sociologie", "fr:Philosophie", "fr:Économie", "fr:Droit",
		"fr:Littérature", "fr:Anthropologie", "fr:Science politique", "fr:Psychologie", "Global issues",
		"Ethics of technology", "Innovation and entrepreneurship", "Public policy", "Digital humanities",
		"Media studies"}},
	{"ENG", "Faculté des sciences et techniques de l'ingénieur", "ENG", []string{"CO", "CE", "CM", "INF"}, false, false, []string{
		"Engineering project", "Distributed intelligent systems", "Design thinking", "Technology transfer",
		"Entrepreneurship lab", "Sustainability engineering", "fr:Projet interdisciplinaire",
		"Systems engineering", "Life cycle assessment"}},
}

// Indexes of the sections serving others.
var (
	secMath = sectionIndex("MA")
	secPhys = sectionIndex("PH")
	secHum  = sectionIndex("SHS")
	secEng  = sectionIndex("ENG")
)

func sectionIndex(code string) int {
	return slices.IndexFunc(sections, func(s section) bool { return s.code == code })
}

// Name patterns; %s is the topic, %l the topic with a lower-case initial.
var (
	frPatterns = []string{"%s", "%s I", "%s II", "%s III", "%s (pour %c)", "Travaux pratiques : %l", "Projet : %l"}
	enPatterns = []string{"%s", "%s I", "%s II", "Introduction to %l", "Advanced %l", "Topics in %l",
		"%s project", "%s laboratory", "Seminar on %l", "Applied %l", "Computational %l"}
)

// course is a course of a block.
type course struct {
	code    string
	section int
	tier    int  // 1, 2, 3 (bachelor years) or 4 (master)
	fall    bool // taught in the fall semester
	spring  bool // taught in the spring semester
	planned bool // offered to study plans
	cohort  int  // students expected
}

// makeCourses generates the courses of the block, section by section, and
// writes their rows.
func (b *block) makeCourses() {
	names := map[string]bool{} // looked up only
	for si := range sections {
		s := &sections[si]
		n := 57 + b.rng.IntN(9)
		switch si {
		case secHum:
			n = 40 + b.rng.IntN(10)
		case secEng:
			n = 20 + b.rng.IntN(10)
		}
		used := map[int]bool{} // looked up only
		var list []*course
		var rows []courseRowData
		for range n {
			c := &course{section: si}
			switch x := b.rng.Float64(); {
			case x < 0.2:
				c.tier = 1
			case x < 0.4:
				c.tier = 2
			case x < 0.65:
				c.tier = 3
			default:
				c.tier = 4
			}
			if si == secHum && c.tier == 1 {
				c.tier = 3 // SHS courses start in the third year
			}
			var num int
			for {
				if c.tier == 4 {
					num = 400 + b.rng.IntN(200)
				} else {
					num = 100*c.tier + b.rng.IntN(100)
				}
				if !used[num] {
					used[num] = true
					break
				}
			}
			c.code = s.prefix + "-" + strconv.Itoa(num) + b.suffix
			switch x := b.rng.Float64(); {
			case x < 0.46:
				c.fall = true
			case x < 0.92:
				c.spring = true
			default:
				c.fall, c.spring = true, true
			}
			c.planned = !b.chance(0.05)
			switch c.tier {
			case 1:
				c.cohort = 150 + b.rng.IntN(250)
			case 2:
				c.cohort = 60 + b.rng.IntN(150)
			case 3:
				c.cohort = 30 + b.rng.IntN(90)
			default:
				c.cohort = 10 + b.rng.IntN(70)
			}
			name, french := b.courseName(s, c.tier, names)
			lang := "English"
			if french {
				lang = "French"
			}
			credits := ""
			if !b.chance(0.03) {
				if c.tier <= 2 {
					credits = strconv.Itoa(4 + b.rng.IntN(5))
				} else {
					credits = strconv.Itoa(2 + b.rng.IntN(5))
				}
			}
			edu := ""
			if !b.chance(0.08) {
				l := "en"
				if french {
					l = "fr"
				}
				edu = "https://edu.epfl.ch/coursebook/" + l + "/" + asciiFold(name, "-") + "-" + strings.ToUpper(c.code)
			}
			list = append(list, c)
			rows = append(rows, courseRowData{num, c.code, name, credits, lang, edu, b.courseTeachers(si)})
		}
		order := make([]int, len(list))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(i, j int) int { return cmp.Compare(rows[i].num, rows[j].num) })
		for _, i := range order {
			r := rows[i]
			b.courses = append(b.courses, list[i])
			b.w.raw.Courses.Rows = append(b.w.raw.Courses.Rows, courseRow(r.code, r.name, r.credits, r.lang, r.edu, r.teachers))
		}
	}
}

type courseRowData struct {
	num                                      int
	code, name, credits, lang, edu, teachers string
}

// courseName draws a name from the section's topics: any topic for the
// bachelor years, an English one for the master. It reports whether the
// course is taught in French.
func (b *block) courseName(s *section, tier int, seen map[string]bool) (string, bool) {
	var name string
	var french bool
	for range 30 {
		topic := s.topics[b.rng.IntN(len(s.topics))]
		t, fr := strings.CutPrefix(topic, "fr:")
		if fr && tier == 4 {
			continue
		}
		pats := enPatterns
		if fr {
			pats = frPatterns
		}
		p := pats[b.rng.IntN(len(pats))]
		if tier == 4 && (strings.HasSuffix(p, " I") || strings.HasSuffix(p, "II")) {
			continue
		}
		name = strings.NewReplacer("%s", t, "%l", lowerInitial(t), "%c", s.code).Replace(p)
		french = fr
		if !seen[name] {
			break
		}
	}
	seen[name] = true
	return name, french
}

// lowerInitial lower-cases the first letter unless the word is an acronym.
func lowerInitial(s string) string {
	r := []rune(s)
	if len(r) > 1 && r[1] >= 'A' && r[1] <= 'Z' {
		return s
	}
	return strings.ToLower(string(r[0])) + string(r[1:])
}

// courseTeachers draws 0 to 3 teachers, mostly of the section.
func (b *block) courseTeachers(si int) string {
	var k int
	switch x := b.rng.Float64(); {
	case x < 0.05:
		k = 0
	case x < 0.65:
		k = 1
	case x < 0.95:
		k = 2
	default:
		k = 3
	}
	var names []string
	for len(names) < k {
		pool := b.bySection[si]
		if len(pool) == 0 || b.chance(0.15) {
			pool = b.teachers
		}
		t := pool[b.rng.IntN(len(pool))].name
		if !slices.Contains(names, t) {
			names = append(names, t)
		}
	}
	return strings.Join(names, ";")
}

// makePlans generates the study plans of the block: for each section with
// units, BA1–BA6 and MA1–MA3 in the semester of their parity, and a minor
// in both semesters for a few sections.
func (b *block) makePlans() {
	type unit struct {
		code, name, promo string
		sem               int
		tiers             []int
	}
	var units []unit
	for _, s := range sections {
		if !s.plans {
			continue
		}
		for k := 1; k <= 6; k++ {
			units = append(units, unit{s.code + "-BA" + itoa(k), s.name + " - Bachelor semestre " + itoa(k), "BA" + itoa(k), (k + 1) % 2, []int{(k + 1) / 2}})
		}
		for k := 1; k <= 3; k++ {
			units = append(units, unit{s.code + "-MA" + itoa(k), s.name + " - Master semestre " + itoa(k), "MA" + itoa(k), (k + 1) % 2, []int{4}})
		}
		if s.minor {
			for sem := range semesters {
				units = append(units, unit{s.code + "-MIN", s.name + " - Mineur", "", sem, []int{3, 4}})
			}
		}
	}
	withID := map[int]bool{}
	for len(withID) < 5 {
		withID[b.rng.IntN(len(units))] = true
	}
	for ui, u := range units {
		si := sectionIndex(strings.SplitN(u.code, "-", 2)[0])
		in := func(c *course) bool {
			return c.planned && (u.sem == 0 && c.fall || u.sem == 1 && c.spring)
		}
		var pool, extra []*course
		for _, c := range b.courses {
			if !in(c) {
				continue
			}
			switch {
			case c.section == si && slices.Contains(u.tiers, c.tier):
				pool = append(pool, c)
			case c.section == si:
				extra = append(extra, c)
			}
		}
		var cross []*course
		for _, c := range b.courses {
			if !in(c) || c.section == si || u.promo == "" {
				continue
			}
			switch {
			case u.tiers[0] == 1 && (c.section == secMath || c.section == secPhys) && c.tier == 1,
				u.tiers[0] >= 3 && c.section == secHum && c.tier == u.tiers[0],
				u.tiers[0] == 4 && c.section == secEng:
				cross = append(cross, c)
			}
		}
		n := 5 + b.rng.IntN(11)
		var picked []string
		take := func(from []*course, k int) {
			for _, i := range b.rng.Perm(len(from)) {
				if k <= 0 || len(picked) == n {
					return
				}
				if !slices.Contains(picked, from[i].code) {
					picked = append(picked, from[i].code)
					k--
				}
			}
		}
		// Courses of the promo's year first, then, only to reach five, other
		// courses of the section and of the sections serving it.
		take(cross, 1+b.rng.IntN(3))
		take(pool, n)
		take(extra, 5-len(picked))
		take(cross, 5-len(picked))
		slices.Sort(picked)
		id := ""
		if withID[ui] {
			id = b.w.planID(b)
		}
		code := u.code + b.suffix
		b.w.raw.StudyPlans.Rows = append(b.w.raw.StudyPlans.Rows,
			studyPlanRow(code, u.name, sections[si].code, u.promo, semesters[u.sem].name, strings.Join(picked, ";"), id))
	}
}

// planID draws a 24-hex-digit id not yet used.
func (w *world) planID(b *block) string {
	for {
		id := fmt.Sprintf("%016x%08x", b.rng.Uint64(), b.rng.Uint32())
		if !w.ids[id] {
			w.ids[id] = true
			return id
		}
	}
}
