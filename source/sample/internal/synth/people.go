package synth

import (
	"strings"
)

var firstNames = strings.Fields(`Jean Pierre Marie Sophie Luc Anne Nicolas Isabelle Thomas Julie David Claire
Michel Catherine Martin Nathalie Olivier Sandrine Philippe Valérie Christophe Caroline Alexandre Laura
Antoine Céline François Elena Giovanni Maria Andreas Katharina Stefan Anna Matthias Sarah Daniel Lisa
Marco Francesca Luca Giulia Wei Li Yuki Hiroshi Ahmed Fatima Ivan Olga Pablo Carmen Rafael Ana Jan Eva
Lukas Nina Tobias Laure Mathieu Aurélie Sébastien Émilie Jérôme Delphine Benoît Hélène Rüdiger Jürg
Ueli Barbara Reto Corinne Patrick Chiara Samuel Léa Hugo Amir Jean-Pierre Anne-Sophie Marc-André`)

// lastNames uses '+' for a space inside a name.
var lastNames = strings.Fields(`Müller Meier Schmid Keller Weber Huber Schneider Meyer Steiner Fischer
Gerber Brunner Baumann Frei Zimmermann Moser Widmer Wyss Graf Roth Favre Rochat Dubois Bonvin Mercier
Girard Blanc Perret Jaquet Chevalley Monnier Pittet Rey Vuilleumier Bovet Pasche Cuendet Berset Clément
Martin Bernard Durand Lefebvre Moreau Fournier Lambert Fontaine Rousseau Vincent Leroy Garnier Chevalier
Rossi Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti Costa García Fernández López Martínez
Sánchez Pérez Silva Santos Oliveira Nowak Kowalski Novak Ivanov Petrov Smirnov Wang Zhang Chen Liu Yang
Huang Tanaka Suzuki Kim Park Nguyen Singh Patel Kumar Cohen Levy Haddad Mansour Smith Johnson Brown
Taylor Wilson Davies Evans O'Brien Murphy Jensen Nielsen Hansen Andersson Johansson Lindqvist
Van+der+Berg De+Vries Janssen Peeters Dupont Jacquier Aebischer Python Ducrey Salamin`)

// teacher is a teacher of a block.
type teacher struct {
	name    string
	section int // index into sections, where the teacher mostly teaches
}

// makeTeachers generates the teachers of the block, with names unique
// across blocks, and writes their rows.
func (b *block) makeTeachers() {
	n := 620 + b.rng.IntN(41)
	for i := range n {
		name := b.w.teacherName(b)
		t := &teacher{name: name, section: i % len(sections)}
		b.teachers = append(b.teachers, t)
		url := ""
		if !b.chance(0.04) {
			url = "https://people.epfl.ch/" + peopleSlug(name)
		}
		b.w.raw.Teachers.Rows = append(b.w.raw.Teachers.Rows, teacherRow(name, url))
	}
	b.rng.Shuffle(len(b.teachers), func(i, j int) {
		b.teachers[i].section, b.teachers[j].section = b.teachers[j].section, b.teachers[i].section
	})
	b.bySection = make([][]*teacher, len(sections))
	for _, t := range b.teachers {
		b.bySection[t.section] = append(b.bySection[t.section], t)
	}
}

// teacherName draws a first and last name not yet used by any block; when
// the pool runs dry it adds a middle initial, then a number.
func (w *world) teacherName(b *block) string {
	for range 200 {
		first := firstNames[b.rng.IntN(len(firstNames))]
		last := strings.ReplaceAll(lastNames[b.rng.IntN(len(lastNames))], "+", " ")
		name := first + " " + last
		if !w.teachers[name] {
			w.teachers[name] = true
			return name
		}
	}
	for i := 0; ; i++ {
		first := firstNames[b.rng.IntN(len(firstNames))]
		last := strings.ReplaceAll(lastNames[b.rng.IntN(len(lastNames))], "+", " ")
		name := first + " " + string(rune('A'+b.rng.IntN(26))) + ". " + last
		if i > 100 {
			name += " " + itoa(i)
		}
		if !w.teachers[name] {
			w.teachers[name] = true
			return name
		}
	}
}

// peopleSlug turns "Jean-Pierre Van der Berg" into "jean-pierre.vanderberg",
// the address people.epfl.ch gives.
func peopleSlug(name string) string {
	first, last, _ := strings.Cut(name, " ")
	return asciiFold(first, "-") + "." + asciiFold(last, "")
}

var foldAccents = strings.NewReplacer(
	"à", "a", "á", "a", "â", "a", "ä", "a", "ç", "c", "è", "e", "é", "e", "ê", "e", "ë", "e",
	"É", "E", "ì", "i", "í", "i", "î", "i", "ï", "i", "ñ", "n", "ò", "o", "ó", "o", "ô", "o",
	"ö", "o", "ù", "u", "ú", "u", "û", "u", "ü", "u", "œ", "oe",
)

// asciiFold lower-cases s, drops accents and keeps letters, digits and the
// characters of keep; every other run of characters becomes '-' when keep
// has '-', else is dropped.
func asciiFold(s, keep string) string {
	s = strings.ToLower(foldAccents.Replace(s))
	var out strings.Builder
	dash := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && out.Len() > 0 {
				out.WriteByte('-')
			}
			dash = false
			out.WriteRune(r)
		case strings.ContainsRune(keep, '-'):
			dash = true
		}
	}
	return out.String()
}
