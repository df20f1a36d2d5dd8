# Independent correct solution, different style: nodes are immutable cons cells and the list keeps its size;
# iteration is a generator.
class EmptyListException(Exception):
    pass


class Node:
    __slots__ = ("_value", "_rest")

    def __init__(self, value, rest=None):
        self._value = value
        self._rest = rest

    def value(self):
        return self._value

    def next(self):
        return self._rest


class LinkedList:
    def __init__(self, values=()):
        self._top = None
        self._size = 0
        for v in values or ():
            self.push(v)

    def __len__(self):
        return self._size

    def __iter__(self):
        cell = self._top
        while cell is not None:
            yield cell.value()
            cell = cell.next()

    def head(self):
        if not self._size:
            raise EmptyListException("The list is empty.")
        return self._top

    def push(self, value):
        self._top = Node(value, self._top)
        self._size += 1

    def pop(self):
        top = self.head()
        self._top = top.next()
        self._size -= 1
        return top.value()

    def reversed(self):
        return LinkedList(list(self))
