// Package matrix reads the matrix row by row with a scanner and parses each field on its own (a different style from
// the reference's split-and-check loop).
package matrix

import (
	"bufio"
	"errors"
	"strconv"
	"strings"
)

// Matrix is a list of rows of equal length.
type Matrix [][]int

// New parses rows separated by newlines and numbers separated by spaces.
func New(s string) (Matrix, error) {
	var m Matrix
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		var row []int
		for _, field := range strings.Fields(sc.Text()) {
			n, err := strconv.ParseInt(field, 10, 64)
			if err != nil {
				return nil, err
			}
			row = append(row, int(n))
		}
		if len(m) > 0 && len(row) != len(m[0]) {
			return nil, errors.New("uneven rows")
		}
		m = append(m, row)
	}
	// A scanner drops a final empty line; it is still a row, of the wrong length unless every row is empty.
	if strings.HasSuffix(s, "\n") {
		if len(m) > 0 && len(m[0]) != 0 {
			return nil, errors.New("uneven rows")
		}
		m = append(m, nil)
	}
	if len(m) == 0 {
		m = Matrix{nil}
	}
	return m, nil
}

// Rows is a copy of the rows.
func (m Matrix) Rows() [][]int {
	out := make([][]int, 0, len(m))
	for _, r := range m {
		out = append(out, append(make([]int, 0, len(r)), r...))
	}
	return out
}

// Cols is a copy of the columns.
func (m Matrix) Cols() [][]int {
	if len(m) == 0 {
		return nil
	}
	out := make([][]int, len(m[0]))
	for _, r := range m {
		for j, v := range r {
			out[j] = append(out[j], v)
		}
	}
	return out
}

// Set changes one element; false when the position is outside the matrix.
func (m Matrix) Set(row, col, val int) bool {
	if row < 0 || row >= len(m) || col < 0 || col >= len(m[row]) {
		return false
	}
	m[row][col] = val
	return true
}
