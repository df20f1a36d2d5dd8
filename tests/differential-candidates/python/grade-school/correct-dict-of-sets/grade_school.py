# Independent correct solution, different style: grades map to sets of names, and a log of add results
# that added() hands out and clears.
class School:
    def __init__(self):
        self._grades = {}
        self._log = []

    def add_student(self, name, grade):
        enrolled = any(name in names for names in self._grades.values())
        if not enrolled:
            self._grades.setdefault(grade, set()).add(name)
        self._log.append(not enrolled)

    def added(self):
        log, self._log = self._log, []
        return log

    def roster(self, grade=None):
        if grade:
            return self.grade(grade)
        return [name for g in sorted(self._grades) for name in sorted(self._grades[g])]

    def grade(self, grade_number):
        return sorted(self._grades.get(grade_number, ()))
