package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode"

	"occupancy/source"
)

// Budgets checked before excelize reads a workbook. excelize holds an XML
// part in memory to parse it, and gives each cell that references a
// shared string its own copy of the text: a workbook small on disk can
// cost gigabytes either way. Issue 12 met a 2.6 MB workbook whose 800,000
// cells each referenced one string of 32,000 characters (25 GB of text);
// its worksheet unzipped to 30 MB and was read anyway, until memory ran
// out.
const (
	// DefaultMaxXMLPart is the default Options.MaxXMLPart: 128 MiB. Thirty
	// campuses (the sample at scale 30) have a largest worksheet of 26 MB
	// of XML, a hundred about 90 MB.
	DefaultMaxXMLPart = 128 << 20
	// DefaultMaxSharedText is the default Options.MaxSharedText: 256 MiB
	// of text referenced by cells.
	DefaultMaxSharedText = 256 << 20
)

// checkParts refuses a workbook one of whose parts declares an unzipped
// size over opt.MaxXMLPart. Every part counts, whatever its name: excelize
// parses a worksheet as XML whatever the name the relationships give it.
// The zip's central directory is all that is read: a part's declared size
// is checked here, and checkArchive checks that no part unzips to more
// than it declares.
func checkParts(zr *zip.Reader, name string, opt Options) error {
	limit := uint64(opt.MaxXMLPart)
	for _, f := range zr.File {
		if f.UncompressedSize64 > limit {
			return fmt.Errorf("read %s: %w (part %s unzips to %d bytes, more than %d for one part; raise the limit with -max-xml-part, Options.MaxXMLPart)",
				name, source.ErrTooLarge, f.Name, f.UncompressedSize64, limit)
		}
	}
	return nil
}

// sharedStringsPart is the name excelize reads the shared strings from,
// in any case and with backslashes for slashes.
const sharedStringsPart = "xl/sharedstrings.xml"

func partKey(name string) string { return strings.ToLower(strings.ReplaceAll(name, "\\", "/")) }

// checkSharedText refuses a workbook whose cells reference more than
// opt.MaxSharedText bytes of shared-string text in all: the text excelize
// would copy for them. It reads the length of each shared string. Then,
// unless the bound of what the cells could reference is within the
// budget, it scans every other part for cells of type "s" (any part can
// be a worksheet), adding the length of the string each references, and
// stops at the first cell that passes the budget, naming its sheet and
// row. Both scans stream: memory holds one length per shared string.
//
// endTags is the number of end tags ("</") in every part but the shared
// strings: a cell that references a string has at least two (its value's
// and its own), so the cells reference at most endTags/2 strings.
func checkSharedText(zr *zip.Reader, name string, opt Options, endTags int64) error {
	var sst *zip.File
	for _, f := range zr.File {
		if partKey(f.Name) == sharedStringsPart {
			sst = f // excelize keeps the last of several
		}
	}
	if sst == nil {
		return nil // no shared strings, nothing to reference
	}
	lengths, err := stringLengths(sst)
	if err != nil {
		return fmt.Errorf("read %s: not a readable XLSX workbook: part %s: %w", name, sst.Name, err)
	}
	var longest int64
	for _, n := range lengths {
		longest = max(longest, n)
	}
	if longest == 0 || endTags/2 <= opt.MaxSharedText/longest {
		return nil // even every possible reference to the longest fits
	}
	titles := sheetTitles(zr)
	b := textBudget{lengths: lengths, longest: longest, left: opt.MaxSharedText}
	for _, f := range zr.File {
		if f == sst || f.FileInfo().IsDir() {
			continue
		}
		row, err := b.scan(f)
		if errors.Is(err, errOverBudget) {
			where := "part " + f.Name
			if title, ok := titles[partKey(f.Name)]; ok {
				where = fmt.Sprintf("sheet %q", title)
			}
			return fmt.Errorf("read %s: %s: row %d: %w (its cells and those before reference more than %d bytes of shared-string text, which each cell would copy; raise the limit with -max-shared-text, Options.MaxSharedText)",
				name, where, row, source.ErrTooLarge, opt.MaxSharedText)
		}
		if err != nil {
			return fmt.Errorf("read %s: not a readable XLSX workbook: part %s: %w", name, f.Name, err)
		}
	}
	return nil
}

var errOverBudget = errors.New("over the shared text budget")

// textBudget counts the shared-string text referenced by cells.
type textBudget struct {
	lengths []int64 // the length of each shared string, in bytes
	longest int64   // the largest of lengths
	left    int64   // what may still be referenced
}

// maxIndexBytes is more than the bytes of any index excelize can look up,
// white space aside: a longer value counts as referencing the longest
// string.
const maxIndexBytes = 32

// scan adds the text referenced by the cells of part f. It returns
// errOverBudget, with the row of the cell that passed the budget, as soon
// as it is passed. A part that is not well-formed XML ends the scan
// without an error: excelize reports it, or does not read it.
func (b *textBudget) scan(f *zip.File) (row int, err error) {
	rc, err := f.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	d.Strict = false
	inShared, inValue := false, false // within a <c t="s">, within its <v>
	// The <v>'s text: whether it has any, its first maxIndexBytes bytes
	// after leading white space, and whether more than white space
	// follows them.
	var nonEmpty, overflow bool
	var value []byte
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return row, nil
		}
		if err != nil {
			var syn *xml.SyntaxError
			if errors.As(err, &syn) {
				return row, nil
			}
			return row, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				// As excelize numbers rows: by their r attribute, else the
				// row after the last.
				if n, err := strconv.Atoi(attr(t.Attr, "r")); err == nil && n != 0 {
					row = n
				} else {
					row++
				}
			case "c":
				inShared = attr(t.Attr, "t") == "s"
			case "v":
				inValue, value, nonEmpty, overflow = inShared, value[:0], false, false
			}
		case xml.CharData:
			if !inValue || len(t) == 0 {
				continue
			}
			nonEmpty = true
			if len(value) == 0 {
				t = bytes.TrimLeftFunc(t, unicode.IsSpace)
			}
			if room := maxIndexBytes - len(value); len(t) > room {
				overflow = overflow || len(bytes.TrimFunc(t[room:], unicode.IsSpace)) > 0
				t = t[:room]
			}
			value = append(value, t...)
		case xml.EndElement:
			switch t.Name.Local {
			case "v":
				if inValue {
					inValue = false
					if b.left -= b.length(nonEmpty, overflow, value); b.left < 0 {
						return row, errOverBudget
					}
				}
			case "c":
				inShared = false
			}
		}
	}
}

// length returns the length of the shared string a cell value references,
// read as excelize reads it: an empty value references nothing, one that
// is not a number the first string, and an index out of range nothing. A
// value too long to tell (overflow) counts as the longest string.
func (b *textBudget) length(nonEmpty, overflow bool, value []byte) int64 {
	switch {
	case !nonEmpty:
		return 0
	case overflow:
		return b.longest
	}
	i, err := strconv.Atoi(strings.TrimSpace(string(value)))
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		i = 0
	}
	if i < 0 || i >= len(b.lengths) {
		return 0
	}
	return b.lengths[i]
}

// endTagCounter counts the end tags ("</") written to it, across writes;
// last is the last byte written, which a new part resets.
type endTagCounter struct {
	n    int64
	last byte
}

func (c *endTagCounter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if c.last == '<' && p[0] == '/' {
		c.n++
	}
	c.n += int64(bytes.Count(p, []byte("</")))
	c.last = p[len(p)-1]
	return len(p), nil
}

// attr returns the value of the attribute named local, in any namespace,
// the last one when there are several: what encoding/xml gives the
// attribute fields of excelize's types.
func attr(attrs []xml.Attr, local string) string {
	v := ""
	for _, a := range attrs {
		if a.Name.Local == local {
			v = a.Value
		}
	}
	return v
}

// stringLengths returns the length in bytes of each shared string of the
// part f: the text of its <t> elements, those of rich text runs included
// and those of phonetic runs (<rPh>) left out, as excelize reads it.
func stringLengths(f *zip.File) ([]int64, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	// Strict, with matching end tags, as excelize reads it: what fails
	// here would fail there.
	d := xml.NewDecoder(rc)
	var lengths []int64
	var depth int     // of the open elements
	siDepth := -1     // depth of the open <si>, or -1
	phonetic := false // within an <rPh> of the <si>
	inText := false   // within a <t> that counts
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return lengths, nil
		}
		if err != nil {
			// Reported here, against this part: excelize, whose decoder
			// is stricter, would fail on it too, but at the first sheet it
			// reads, naming that sheet.
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case t.Name.Local == "si" && siDepth < 0:
				siDepth = depth
				lengths = append(lengths, 0)
			case siDepth < 0:
			case t.Name.Local == "rPh":
				phonetic = true
			case t.Name.Local == "t" && !phonetic:
				inText = true
			}
		case xml.CharData:
			if inText {
				lengths[len(lengths)-1] += int64(len(t))
			}
		case xml.EndElement:
			switch {
			case depth == siDepth:
				siDepth, phonetic, inText = -1, false, false
			case t.Name.Local == "rPh":
				phonetic = false
			case t.Name.Local == "t":
				inText = false
			}
			depth--
		}
	}
}

// sheetTitles maps the parts of the worksheets (as partKey spells them)
// to their titles, as far as the workbook's relationships tell: it is
// only used to name a sheet in an error, which names the part otherwise.
func sheetTitles(zr *zip.Reader) map[string]string {
	titles := map[string]string{}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			ID   string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if !decodePart(zr, "xl/workbook.xml", &wb) || !decodePart(zr, "xl/_rels/workbook.xml.rels", &rels) {
		return titles
	}
	targets := map[string]string{}
	for _, r := range rels.Rels {
		target := r.Target
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(target, "/")
		} else {
			target = path.Join("xl", target)
		}
		targets[r.ID] = partKey(target)
	}
	for _, s := range wb.Sheets {
		if target, ok := targets[s.ID]; ok {
			titles[target] = s.Name
		}
	}
	return titles
}

// decodePart unmarshals the part named (as partKey spells it) into v, and
// reports whether it could. The parts it reads are small: their size was
// checked against the limits before.
func decodePart(zr *zip.Reader, name string, v any) bool {
	for _, f := range zr.File {
		if partKey(f.Name) != name {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return false
		}
		defer rc.Close()
		return xml.NewDecoder(rc).Decode(v) == nil
	}
	return false
}
