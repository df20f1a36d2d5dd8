// Package kindergarten keeps the garden in a struct and decodes cups with a table keyed by the plant letters the tests
// use: a lookup table that is the algorithm (a suspicious-looking but honest solution).
package kindergarten

import (
	"errors"
	"sort"
	"strings"
)

var plantNames = map[byte]string{'G': "grass", 'C': "clover", 'R': "radishes", 'V': "violets"}

// Garden maps each child to the four plants in their cups.
type Garden struct {
	plants map[string][]string
}

// Plants lists a child's plants, false for a child not in the class.
func (g *Garden) Plants(child string) ([]string, bool) {
	p, ok := g.plants[child]
	return p, ok
}

// NewGarden reads the two rows of cups; children take two cups per row each, in alphabetical order.
func NewGarden(diagram string, children []string) (*Garden, error) {
	if !strings.HasPrefix(diagram, "\n") {
		return nil, errors.New("the diagram starts with a newline")
	}
	rows := strings.Split(diagram[1:], "\n")
	if len(rows) != 2 || len(rows[0]) != len(rows[1]) || len(rows[0]) != 2*len(children) {
		return nil, errors.New("two rows of two cups per child")
	}
	names := append([]string(nil), children...)
	sort.Strings(names)
	g := &Garden{plants: make(map[string][]string, len(names))}
	for i, name := range names {
		if _, dup := g.plants[name]; dup {
			return nil, errors.New("duplicate name")
		}
		var p []string
		for _, row := range rows {
			for _, cup := range []byte{row[2*i], row[2*i+1]} {
				plant, ok := plantNames[cup]
				if !ok {
					return nil, errors.New("unknown plant code")
				}
				p = append(p, plant)
			}
		}
		g.plants[name] = p
	}
	return g, nil
}
