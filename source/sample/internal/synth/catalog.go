package synth

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// section is a teaching section: it owns a course prefix, and study plans
// for the programs it runs.
type section struct {
	code   string   // "IN"
	name   string   // "Informatique"
	prefix string   // course code prefix: "CS"
	areas  []string // campus areas it teaches in, preferred first
	kind   int      // bachelorSection, masterSection or serviceSection
	minor  bool     // whether it also has a minor, in both semesters
	// topics of its courses; "fr:" marks a French one.
	topics []string
}

// Kinds of section.
const (
	bachelorSection = iota // bachelor, master and doctoral programs
	masterSection          // master and doctoral programs only
	serviceSection         // courses for other sections' plans only
)

var sections = []section{
	{"AR", "Architecture", "AR", []string{"SG", "AAC", "PO", "DIA", "BC"}, bachelorSection, false, []string{
		"fr:Théorie de l'architecture", "fr:Histoire de l'architecture", "fr:Studio de projet", "fr:Construction",
		"fr:Urbanisme", "fr:Structures", "fr:Dessin", "Architectural design", "Building physics",
		"Landscape architecture", "Urban design", "Digital fabrication", "Heritage conservation", "Housing",
		"Sustainable building"}},
	{"CGC", "Chimie et génie chimique", "CH", []string{"CH", "BCH", "CE", "CM"}, bachelorSection, false, []string{
		"fr:Chimie générale", "fr:Chimie organique", "fr:Chimie inorganique", "fr:Chimie physique",
		"fr:Chimie analytique", "fr:Génie chimique", "Catalysis", "Spectroscopy", "Polymer chemistry",
		"Reaction engineering", "Separation processes", "Medicinal chemistry", "Electrochemistry",
		"Computational chemistry", "Supramolecular chemistry"}},
	{"EL", "Génie électrique et électronique", "EE", []string{"EL", "CM", "CO", "BC"}, bachelorSection, false, []string{
		"fr:Électrotechnique", "fr:Circuits et systèmes", "fr:Électronique", "fr:Signaux et systèmes",
		"fr:Logique numérique", "fr:Électromagnétisme", "Analog circuits design", "VLSI design",
		"Power electronics", "Control systems", "Digital signal processing", "Embedded systems", "RF circuits",
		"Photonic systems", "Electric power systems", "Microelectronics"}},
	{"GC", "Génie civil", "CIVIL", []string{"GC", "CE", "BS", "RLC"}, bachelorSection, false, []string{
		"fr:Mécanique des structures", "fr:Géotechnique", "fr:Hydraulique", "fr:Résistance des matériaux",
		"fr:Béton armé", "fr:Construction métallique", "fr:Topographie", "Structural dynamics",
		"Transportation systems", "Earthquake engineering", "Rock mechanics", "Bridge design",
		"Timber structures", "Engineering hydraulics", "Construction management"}},
	{"GM", "Génie mécanique", "ME", []string{"ME", "CM", "CE", "MX"}, bachelorSection, false, []string{
		"fr:Mécanique des fluides", "fr:Thermodynamique", "fr:Dessin technique", "fr:Conception mécanique",
		"fr:Mécanique des milieux continus", "fr:Vibrations", "Heat and mass transfer", "Turbomachines",
		"Robotics", "Manufacturing technologies", "Computational fluid dynamics", "Energy conversion",
		"Biomechanics", "Aerodynamics", "Finite element method"}},
	{"IN", "Informatique", "CS", []string{"INM", "INF", "BC", "CO", "IN", "CM"}, bachelorSection, true, []string{
		"fr:Programmation orientée système", "fr:Théorie du calcul", "fr:Structures discrètes",
		"fr:Conception de systèmes numériques", "fr:Pratique de la programmation orientée-objet",
		"Software engineering", "Algorithms", "Computer architecture", "Operating systems", "Databases",
		"Computer networks", "Machine learning", "Compiler construction", "Distributed systems",
		"Computer security", "Concurrent algorithms", "Functional programming", "Computer graphics",
		"Natural language processing", "Data visualization", "Cryptography", "Formal verification",
		"Human computer interaction"}},
	{"MA", "Mathématiques", "MATH", []string{"MA", "CM", "CE", "CO"}, bachelorSection, true, []string{
		"fr:Analyse", "fr:Algèbre linéaire", "fr:Géométrie", "fr:Probabilités", "fr:Topologie",
		"fr:Analyse numérique", "fr:Statistique", "fr:Théorie des groupes", "fr:Analyse complexe",
		"fr:Équations différentielles", "Measure and integration", "Functional analysis",
		"Algebraic geometry", "Number theory", "Stochastic calculus", "Optimization", "Differential geometry",
		"Representation theory", "Numerical methods for PDEs", "Statistical learning theory"}},
	{"MT", "Microtechnique", "MICRO", []string{"ME", "AI", "CM", "MX"}, bachelorSection, false, []string{
		"fr:Microtechnique", "fr:Capteurs", "fr:Conception de mécanismes", "fr:Microprocesseurs",
		"fr:Optique appliquée", "Micro and nanofabrication", "Mobile robots", "Haptics", "Image processing",
		"Microfluidics", "Watchmaking technology", "Mechatronics", "Lasers", "Medical devices"}},
	{"MX", "Science et génie des matériaux", "MSE", []string{"MX", "CM", "CH"}, bachelorSection, false, []string{
		"fr:Science des matériaux", "fr:Chimie des matériaux", "fr:Cristallographie", "fr:Métallurgie",
		"fr:Céramiques", "Polymer science", "Composite materials", "Materials characterization", "Thin films",
		"Corrosion", "Biomaterials", "Phase transformations", "Electron microscopy", "Materials modelling"}},
	{"PH", "Physique", "PHYS", []string{"PH", "CE", "CM", "BS"}, bachelorSection, false, []string{
		"fr:Physique générale : mécanique", "fr:Physique générale : électromagnétisme",
		"fr:Physique générale : thermodynamique", "fr:Physique quantique", "fr:Mécanique analytique",
		"fr:Physique statistique", "fr:Électrodynamique", "fr:Optique", "Quantum field theory",
		"Solid state physics", "Nuclear and particle physics", "Astrophysics", "General relativity",
		"Plasma physics", "Biophysics", "Quantum optics", "Computational physics"}},
	{"SC", "Systèmes de communication", "COM", []string{"BC", "INM", "INF", "CO"}, bachelorSection, false, []string{
		"fr:Théorie de l'information", "fr:Réseaux informatiques", "fr:Traitement du signal",
		"fr:Probabilités et statistique", "Information theory and coding", "Wireless communications",
		"Mobile networks", "Network security", "Advanced cryptography", "Signal processing for communications",
		"Distributed algorithms", "Randomized algorithms", "Internet analytics", "Coding theory"}},
	{"SIE", "Sciences et ingénierie de l'environnement", "ENV", []string{"GC", "BS", "AAC", "DIA"}, bachelorSection, false, []string{
		"fr:Hydrologie", "fr:Écologie", "fr:Chimie de l'environnement", "fr:Aménagement du territoire",
		"fr:Traitement des eaux", "Climate science", "Atmospheric processes", "Environmental modelling",
		"Remote sensing", "Air pollution", "Soil mechanics", "Renewable energy systems",
		"Geographic information systems", "Environmental impact assessment"}},
	{"SV", "Sciences et technologies du vivant", "BIO", []string{"SV", "AI", "AAC", "BS"}, bachelorSection, false, []string{
		"fr:Biologie cellulaire", "fr:Biochimie", "fr:Génétique", "fr:Biologie moléculaire", "fr:Physiologie",
		"fr:Immunologie", "Neuroscience", "Systems biology", "Bioinformatics", "Structural biology",
		"Developmental biology", "Cancer biology", "Synthetic biology", "Microbiology", "Tissue engineering"}},
	{"DH", "Humanités digitales", "DH", []string{"INM", "BC", "CM"}, masterSection, true, []string{
		"Digital humanities", "Digital musicology", "Computational linguistics", "Cultural data sculpting",
		"Text analysis", "Digital art history", "History of computing", "Archival data", "Network analysis",
		"Spatial humanities", "Computational media"}},
	{"IF", "Ingénierie financière", "FIN", []string{"CM", "CE", "CO"}, masterSection, true, []string{
		"Financial econometrics", "Derivatives", "Asset pricing", "Risk management", "Portfolio theory",
		"Corporate finance", "Fixed income", "Quantitative finance", "Financial machine learning",
		"Behavioural finance", "Investments", "Credit risk"}},
	{"MTE", "Management de la technologie et entrepreneuriat", "MGT", []string{"CM", "CO", "CE"}, masterSection, true, []string{
		"Technology management", "Entrepreneurship", "Operations management", "Supply chain management",
		"Innovation strategy", "Marketing", "Accounting", "Business analytics", "Organizational behaviour",
		"Decision analysis", "Project management", "Technology ventures"}},
	{"NX", "Neuro-X", "NX", []string{"SV", "AI", "INM"}, masterSection, true, []string{
		"Neural signals", "Neuroengineering", "Brain-computer interfaces", "Computational neuroscience",
		"Neuroprosthetics", "Neuroimaging", "Cognitive neuroscience", "Motor control", "Neural coding",
		"Neurorehabilitation"}},
	{"QSE", "Quantum science and engineering", "QUANT", []string{"PH", "EL", "CE"}, masterSection, false, []string{
		"Quantum computation", "Quantum information", "Quantum sensing", "Quantum photonics",
		"Superconducting qubits", "Quantum materials", "Quantum algorithms", "Quantum error correction",
		"Quantum communication"}},
	{"SHS", "Sciences humaines et sociales", "HUM", []string{"CO", "CM", "CE", "BC", "DIA"}, serviceSection, false, []string{
		"fr:Histoire des sciences", "fr:Sociologie", "fr:Philosophie", "fr:Économie", "fr:Droit",
		"fr:Littérature", "fr:Anthropologie", "fr:Science politique", "fr:Psychologie", "Global issues",
		"Ethics of technology", "Innovation and entrepreneurship", "Public policy", "Digital humanities",
		"Media studies"}},
	{"ENG", "Faculté des sciences et techniques de l'ingénieur", "ENG", []string{"CO", "CE", "CM", "INF"}, serviceSection, false, []string{
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
	docPatterns = []string{"Advanced topics in %l", "Doctoral seminar in %l", "Recent advances in %l",
		"Research methods in %l", "%s: selected topics", "Summer school: %l", "Reading group in %l"}
)

// Schedules a course can have.
const (
	schedWeekly = iota // weekly sessions in its semesters
	schedBlock         // a block course: a few consecutive days of dated sessions
	schedNone          // neither: a project, a thesis, an internship
)

// doctoral is the tier of doctoral courses.
const doctoral = 5

// course is a course of a block.
type course struct {
	code    string
	section int
	tier    int  // 1, 2, 3 (bachelor years), 4 (master) or 5 (doctoral)
	fall    bool // taught in the fall semester
	spring  bool // taught in the spring semester
	planned bool // offered to study plans
	sched   int  // schedWeekly, schedBlock or schedNone
	cohort  int  // students expected
	// own holds, per semester and weekday, the quarters its weekly
	// sessions take, which never overlap.
	own [2][5]mask
}

// makeCourses generates the courses of the block, section by section, and
// writes their rows: about 2,000, of which a quarter are doctoral courses.
func (b *block) makeCourses() {
	names := map[string]bool{} // looked up only
	for si := range sections {
		s := &sections[si]
		var n, nDoc int
		switch {
		case si == secHum:
			n = 62 + b.rng.IntN(10)
		case si == secEng:
			n = 36 + b.rng.IntN(10)
		case s.kind == masterSection:
			n, nDoc = 42+b.rng.IntN(7), 8+b.rng.IntN(5)
		default:
			n, nDoc = 88+b.rng.IntN(9), 28+b.rng.IntN(9)
		}
		used := map[int]bool{} // looked up only
		var list []*course
		var rows []courseRowData
		for k := range n + nDoc {
			c := &course{section: si}
			switch x := b.rng.Float64(); {
			case k >= n:
				c.tier = doctoral
			case s.kind == masterSection:
				c.tier = 4
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
			// The first third-year course of a section is numbered 305, so
			// that the sample has a CS-305 that scripts and examples name.
			num := 305
			for c.tier != 3 || used[num] {
				switch c.tier {
				case doctoral:
					num = 600 + b.rng.IntN(200)
				case 4:
					num = 400 + b.rng.IntN(200)
				default:
					num = 100*c.tier + b.rng.IntN(100)
				}
				if !used[num] {
					break
				}
			}
			used[num] = true
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
			switch x := b.rng.Float64(); {
			case c.tier == doctoral && x < 0.2, c.tier < doctoral && x >= []float64{0, 0.03, 0.08, 0.3, 0.55}[c.tier]:
				c.sched = schedWeekly
			case c.tier == doctoral && x < 0.7:
				c.sched = schedBlock
			default:
				c.sched = schedNone
			}
			switch c.tier {
			case 1:
				c.cohort = 150 + b.rng.IntN(250)
			case 2:
				c.cohort = 60 + b.rng.IntN(150)
			case 3:
				c.cohort = 30 + b.rng.IntN(90)
			case 4:
				c.cohort = 10 + b.rng.IntN(70)
			default:
				c.cohort = 6 + b.rng.IntN(25)
			}
			name, french := b.courseName(s, c.tier, names)
			lang := "English"
			if french {
				lang = "French"
			}
			credits := ""
			if !b.chance(0.03) {
				switch {
				case c.tier == doctoral:
					credits = strconv.Itoa(2 + b.rng.IntN(3))
				case c.tier <= 2:
					credits = strconv.Itoa(4 + b.rng.IntN(5))
				default:
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
		if fr && tier >= 4 {
			continue
		}
		pats := enPatterns
		switch {
		case fr:
			pats = frPatterns
		case tier == doctoral:
			pats = docPatterns
		}
		p := pats[b.rng.IntN(len(pats))]
		if tier >= 4 && (strings.HasSuffix(p, " I") || strings.HasSuffix(p, "II")) {
			continue
		}
		name = strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(p, "%s", t), "%l", lowerInitial(t)), "%c", s.code)
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

// program is a study program drawing on the courses of some sections.
type program struct {
	code, name string
	sections   []string // section codes whose courses it offers
}

// Master programs run by several sections.
var jointMasters = []program{
	{"DS", "Data Science", []string{"IN", "MA", "SC"}},
	{"RO", "Robotique", []string{"MT", "GM", "EL"}},
	{"EN", "Energy Science and Technology", []string{"GM", "EL", "PH"}},
	{"CSE", "Science et ingénierie computationnelles", []string{"MA", "PH", "IN"}},
	{"CYBER", "Cyber security", []string{"IN", "SC"}},
	{"NE", "Génie nucléaire", []string{"PH", "GM"}},
	{"STAT", "Statistique", []string{"MA", "SC"}},
	{"AP", "Physique appliquée", []string{"PH", "MT"}},
	{"BIOENG", "Bioingénierie", []string{"SV", "MX", "CGC"}},
	{"UR", "Systèmes urbains", []string{"GC", "AR", "SIE"}},
	{"MNIS", "Micro- et nanotechnologies pour systèmes intégrés", []string{"MT", "EL", "MX"}},
	{"LS", "Ingénierie des sciences du vivant", []string{"SV", "NX"}},
}

// Minors open to students of every section, besides the sections' own.
var minors = []program{
	{"MIN-BIOCOMP", "Mineur en biocomputing", []string{"IN", "SV"}},
	{"MIN-DS", "Mineur en data science", []string{"IN", "MA"}},
	{"MIN-ENERGY", "Mineur en énergie", []string{"GM", "EL", "PH"}},
	{"MIN-SPACE", "Mineur en technologies spatiales", []string{"GM", "EL", "MT", "PH"}},
	{"MIN-NEURO", "Mineur en neuroprosthétique", []string{"NX", "SV", "MT"}},
	{"MIN-PHOTONICS", "Mineur en photonique", []string{"PH", "MT"}},
	{"MIN-TERRITORY", "Mineur en développement territorial", []string{"AR", "GC", "SIE"}},
	{"MIN-BIOTECH", "Mineur en biotechnologie", []string{"SV", "CGC"}},
	{"MIN-COMSYS", "Mineur en systèmes de communication", []string{"SC"}},
	{"MIN-SECURITY", "Mineur en cyber-sécurité", []string{"IN", "SC"}},
	{"MIN-IMAGING", "Mineur en imaging", []string{"EL", "MT", "SV"}},
	{"MIN-ENTRE", "Mineur en technologie et entrepreneuriat", []string{"MTE", "ENG"}},
	{"MIN-QUANTUM", "Mineur en science quantique", []string{"QSE", "PH"}},
	{"MIN-MATERIALS", "Mineur en science des matériaux", []string{"MX"}},
	{"MIN-TRANSPORT", "Mineur en systèmes de transport", []string{"GC", "GM"}},
	{"MIN-CHEM", "Mineur en chimie", []string{"CGC"}},
	{"MIN-STAS", "Mineur STAS Chine", []string{"SHS"}},
	{"MIN-DESIGN", "Mineur en design intégré, architecture et durabilité", []string{"AR", "GM"}},
	{"MIN-ROBOTICS", "Mineur en robotique", []string{"MT", "GM"}},
	{"MIN-ENV", "Mineur en sciences de l'environnement", []string{"SIE"}},
}

// Doctoral programs, in both semesters.
var doctoralPrograms = []program{
	{"EDAR", "Programme doctoral en architecture et sciences de la ville", []string{"AR", "GC", "SIE"}},
	{"EDBB", "Programme doctoral en biotechnologie et génie biologique", []string{"SV", "CGC"}},
	{"EDCH", "Programme doctoral en chimie et génie chimique", []string{"CGC"}},
	{"EDCE", "Programme doctoral en génie civil et environnement", []string{"GC", "SIE"}},
	{"EDEE", "Programme doctoral en génie électrique", []string{"EL"}},
	{"EDEY", "Programme doctoral en énergie", []string{"GM", "EL", "PH"}},
	{"EDIC", "Programme doctoral en informatique et communications", []string{"IN", "SC"}},
	{"EDMA", "Programme doctoral en mathématiques", []string{"MA"}},
	{"EDME", "Programme doctoral en mécanique", []string{"GM"}},
	{"EDMI", "Programme doctoral en microsystèmes et microélectronique", []string{"MT", "EL"}},
	{"EDMX", "Programme doctoral en science et génie des matériaux", []string{"MX"}},
	{"EDMT", "Programme doctoral en management de la technologie", []string{"MTE", "IF"}},
	{"EDNE", "Programme doctoral en neurosciences", []string{"NX", "SV"}},
	{"EDPY", "Programme doctoral en physique", []string{"PH", "QSE"}},
	{"EDFI", "Programme doctoral en finance", []string{"IF"}},
	{"EDDH", "Programme doctoral en humanités digitales", []string{"DH", "IN"}},
	{"EDPO", "Programme doctoral en photonique", []string{"PH", "MT", "EL"}},
	{"EDRS", "Programme doctoral en robotique, contrôle et systèmes intelligents", []string{"MT", "GM", "IN"}},
}

// keptIDs are explicit ids that plans of block 0 keep from earlier
// samples, because tests name them (scripts/integration).
var keptIDs = map[string]string{"AR-BA2": "9ec62d992a70d1667be61004"}

// unit is a study plan to draw: its courses come from primary first,
// then, only to reach five, from extra and cross; with a promo, one to
// three cross courses come first.
type unit struct {
	code, name, section, promo string
	sem                        int
	primary, extra, cross      func(*course) bool
}

// makePlans generates the study plans of the block, about 400: for each
// section with a bachelor, BA1–BA6, an exchange and a bridging program;
// MA1–MA4 of every master, and two orientations of the sections' masters;
// the humanities program; minors and doctoral programs in both semesters;
// and the special mathematics course.
func (b *block) makePlans() {
	var units []unit
	of := func(codes ...string) func(*course) bool {
		in := make([]bool, len(sections))
		for _, c := range codes {
			in[sectionIndex(c)] = true
		}
		return func(c *course) bool { return in[c.section] }
	}
	tiers := func(from func(*course) bool, ts ...int) func(*course) bool {
		return func(c *course) bool { return from(c) && slices.Contains(ts, c.tier) }
	}
	services := func(tier int) func(*course) bool {
		return func(c *course) bool {
			switch {
			case tier == 1:
				return (c.section == secMath || c.section == secPhys) && c.tier == 1
			case tier == 4 && c.section == secEng:
				return true
			}
			return tier >= 3 && c.section == secHum && c.tier == tier
		}
	}
	both := func(u unit) {
		for sem := range semesters {
			u.sem = sem
			units = append(units, u)
		}
	}
	master := func(code, name, section string, from func(*course) bool) {
		for k := 1; k <= 4; k++ {
			units = append(units, unit{code + "-MA" + itoa(k), name + " - Master semestre " + itoa(k), section, "MA" + itoa(k), (k + 1) % 2,
				tiers(from, 4), tiers(from, 3), services(4)})
		}
	}
	for _, s := range sections {
		own := of(s.code)
		switch s.kind {
		case bachelorSection:
			for k := 1; k <= 6; k++ {
				units = append(units, unit{s.code + "-BA" + itoa(k), s.name + " - Bachelor semestre " + itoa(k), s.code, "BA" + itoa(k), (k + 1) % 2,
					tiers(own, (k+1)/2), tiers(own, 1, 2, 3, 4), services((k + 1) / 2)})
			}
			master(s.code, s.name, s.code, own)
			for o, letter := range []string{"A", "B"} {
				for k := 1; k <= 2; k++ {
					units = append(units, unit{s.code + "-MA" + itoa(k) + "-" + letter,
						s.name + " - Master semestre " + itoa(k) + ", orientation " + letter, s.code, "MA" + itoa(k), (k + 1) % 2,
						tiers(own, 4), tiers(own, 3), services(3 + o)})
				}
			}
			both(unit{code: s.code + "-ECH", name: s.name + " - Échange", section: s.code,
				primary: tiers(own, 2, 3, 4), extra: tiers(own, 1), cross: services(3)})
			both(unit{code: s.code + "-HES", name: s.name + " - Passerelle HES", section: s.code,
				primary: tiers(own, 2, 3), extra: tiers(own, 1, 4), cross: services(3)})
		case masterSection:
			master(s.code, s.name, s.code, own)
		}
		if s.minor {
			both(unit{code: s.code + "-MIN", name: s.name + " - Mineur", section: s.code,
				primary: tiers(own, 3, 4), extra: tiers(own, 2), cross: services(3)})
		}
	}
	for _, p := range jointMasters {
		master(p.code, p.name, p.code, of(p.sections...))
	}
	for _, p := range minors {
		from := of(p.sections...)
		both(unit{code: p.code, name: p.name, section: p.sections[0], primary: tiers(from, 3, 4), extra: tiers(from, 2), cross: services(3)})
	}
	for _, p := range doctoralPrograms {
		from := of(p.sections...)
		both(unit{code: p.code, name: p.name, section: p.sections[0], primary: tiers(from, doctoral), extra: tiers(from, 4), cross: services(4)})
	}
	hum := of("SHS")
	for k, promo := range []string{"BA5", "BA6", "MA1", "MA2"} {
		units = append(units, unit{"SHS-" + promo, "Programme sciences humaines et sociales - " + promo, "SHS", promo, k % 2,
			tiers(hum, 3+k/2), tiers(hum, 3, 4), services(4)})
	}
	cms := of("MA", "PH")
	both(unit{code: "CMS", name: "Cours de mathématiques spéciales", section: "MA", primary: tiers(cms, 1), extra: tiers(cms, 2), cross: services(1)})

	withID := map[int]bool{}
	for len(withID) < 12 {
		withID[b.rng.IntN(len(units))] = true
	}
	var primary, extra, cross []*course
	for ui, u := range units {
		primary, extra, cross = primary[:0], extra[:0], cross[:0]
		for _, c := range b.courses {
			switch {
			case !c.planned || u.sem == 0 && !c.fall || u.sem == 1 && !c.spring:
			case u.primary(c):
				primary = append(primary, c)
			case u.extra(c):
				extra = append(extra, c)
			case u.cross(c):
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
		// courses of the sections and of the sections serving them.
		if u.promo != "" {
			take(cross, 1+b.rng.IntN(3))
		}
		take(primary, n)
		take(extra, 5-len(picked))
		take(cross, 5-len(picked))
		slices.Sort(picked)
		id := ""
		if kept, ok := keptIDs[u.code]; ok && b.suffix == "" {
			id = kept
			b.w.ids[id] = true
		} else if withID[ui] {
			id = b.w.planID(b)
		}
		b.w.raw.StudyPlans.Rows = append(b.w.raw.StudyPlans.Rows,
			studyPlanRow(u.code+b.suffix, u.name, u.section, u.promo, semesters[u.sem].name, strings.Join(picked, ";"), id))
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
