# Crucible differential driver (Python). Runs inside the sandbox, outside any test framework.
#   harvest OUT TEST_FILE...   entry points the tests import, and the argument tuples of their literal calls
#   run CASES OUT              calls each case's function, one JSON result per line (flushed per case)
# Results are canonical JSON so the harness compares values, not representations.
import ast, importlib, importlib.util, inspect, io, json, math, os, signal, sys, types, itertools, random

def enc(v, depth=0):
    if depth > 40:
        return {"__repr__": "<too deep>"}
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v if abs(v) < 2**53 else {"__int__": str(v)}
    if isinstance(v, float):
        return v if math.isfinite(v) else {"__float__": repr(v)}
    if isinstance(v, (list, tuple)):
        return [enc(x, depth + 1) for x in v]
    if isinstance(v, (set, frozenset)):
        return {"__set__": sorted((enc(x, depth + 1) for x in v), key=lambda e: json.dumps(e, sort_keys=True))}
    if isinstance(v, dict):
        return {"__dict__": sorted(([enc(k, depth + 1), enc(x, depth + 1)] for k, x in v.items()), key=lambda e: json.dumps(e, sort_keys=True))}
    if isinstance(v, (bytes, bytearray)):
        return {"__bytes__": list(v)}
    if isinstance(v, (types.GeneratorType, map, filter, zip, range, itertools.chain)) or (hasattr(v, "__next__") and hasattr(v, "__iter__")):
        return [enc(x, depth + 1) for x in itertools.islice(v, 100000)]
    cls = type(v)
    state = getattr(v, "__dict__", None)
    if not isinstance(state, dict) and cls.__module__ != "builtins":
        slots = [n for k in cls.__mro__ for n in ([getattr(k, "__slots__", ())] if isinstance(getattr(k, "__slots__", ()), str) else getattr(k, "__slots__", ()))]
        if slots or cls.__repr__ is object.__repr__:
            # A __slots__ class, or one whose only form is the default repr (an address, different in every process).
            state = {n: getattr(v, n) for n in slots if not n.startswith("_") and hasattr(v, n)}
    if isinstance(state, dict):
        # An object of the solution: its public attributes, and its user-facing form when it defines __str__
        # (a __repr__ alone is for debugging and may differ between honest solutions).
        shown = {"__object__": cls.__name__, "state": {k: enc(x, depth + 1) for k, x in state.items() if not k.startswith("_") and not callable(x)}}
        if cls.__str__ is not object.__str__:
            shown["str"] = str(v)
        return shown
    if cls.__repr__ is not object.__repr__ or cls.__str__ is not object.__str__:
        return {"__object__": cls.__name__, "str": str(v)}
    return {"__repr__": repr(v)}

def literal(node, scope):
    try:
        return True, ast.literal_eval(node)
    except Exception:
        pass
    if isinstance(node, ast.Name) and node.id in scope:
        return True, scope[node.id]
    return False, None

def jsonable(v):
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, (set, frozenset)):
        return sorted((jsonable(x) for x in v), key=repr)
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()} if all(isinstance(k, str) for k in v) else None
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (bytes, complex)):
        return None
    return v

def harvest(out, files):
    entries, calls, literals = {}, [], []
    local = {os.path.splitext(f)[0] for f in os.listdir(".") if f.endswith(".py")}
    for path in files:
        tree = ast.parse(open(path, encoding="utf-8").read(), path)
        aliases = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in local and node.level == 0:
                for a in node.names:
                    if a.name != "*":
                        aliases[a.asname or a.name] = (node.module, a.name)
            if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)) and not isinstance(node.value, bool):
                if not isinstance(node.value, str) or len(node.value) <= 200:
                    literals.append(node.value)
        # A helper the tests call with an entry point (HumanEval's check(candidate)) calls it under its parameter's name.
        defs = {n.name: n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in defs:
                params = defs[node.func.id].args.args
                for i, arg in enumerate(node.args):
                    if isinstance(arg, ast.Name) and arg.id in aliases and i < len(params) and params[i].arg not in aliases:
                        aliases[params[i].arg] = aliases[arg.id]
        for fn in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))] + [tree]:
            scope = {}
            body = fn.body
            for stmt in body:
                for node in ast.walk(stmt):
                    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                        ok, value = literal(node.value, scope)
                        if ok:
                            scope[node.targets[0].id] = value
                    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in aliases and not node.keywords:
                        values = [literal(a, scope) for a in node.args]
                        if all(ok for ok, _ in values) and not any(isinstance(a, ast.Starred) for a in node.args):
                            args = [jsonable(v) for _, v in values]
                            if all(a is not None or v is None for a, (_, v) in zip(args, values)):
                                module, name = aliases[node.func.id]
                                calls.append({"module": module, "name": name, "args": args})
    described, objects = [], []
    try:
        objects, traced = trace(files, sorted(set(aliases.values())))
        calls.extend(traced)
    except BaseException as e:
        objects = [{"error": type(e).__name__}]
    for module, name in sorted(set(aliases.values())):
        try:
            obj = getattr(importlib.import_module(module), name)
        except Exception as e:
            described.append({"module": module, "name": name, "kind": "unavailable", "detail": type(e).__name__})
            continue
        kind = "class" if inspect.isclass(obj) else "function" if callable(obj) else "value"
        described.append({"module": module, "name": name, "kind": kind})
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"entries": described, "calls": calls, "objects": objects, "literals": literals[:2000]}, f)

# Tracing the visible tests against the reference. The reference is trusted, so the harvest runs the tests on it (the
# candidate never runs them here) with the solution's classes and functions wrapped: every call the tests make from
# outside the solution (depth 0) is recorded with its argument values, whatever helper, loop or keyword produced them.
# An object's sequence is its construction followed by the calls, attribute reads and assignments the tests make on it;
# a call whose arguments are not plain data (another object, a callback) ends that object's sequence.
NOT_DATA = object()
TRACE_SECONDS = 20  # under DifferentialLimits' default 60 s wall time per driver process

def argjson(v, depth=0):
    """Plain data as JSON (tuples tagged so the driver rebuilds them), else NOT_DATA."""
    if depth > 30:
        return NOT_DATA
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v if abs(v) < 2**53 else NOT_DATA
    if isinstance(v, float):
        return v if math.isfinite(v) else NOT_DATA
    if isinstance(v, (list, tuple)):
        items = [argjson(x, depth + 1) for x in v]
        if any(x is NOT_DATA for x in items):
            return NOT_DATA
        return {"__tuple__": items} if isinstance(v, tuple) else items
    if isinstance(v, dict) and len(v) == 1 and KWARGS in v and isinstance(v[KWARGS], dict):
        return v  # already converted by positional()
    if isinstance(v, dict) and all(isinstance(k, str) and not k.startswith("__") for k in v):
        items = {k: argjson(x, depth + 1) for k, x in v.items()}
        return NOT_DATA if any(x is NOT_DATA for x in items.values()) else items
    return NOT_DATA

def dec(v):
    """The inverse of argjson for the driver: tagged tuples become tuples again."""
    if isinstance(v, list):
        return [dec(x) for x in v]
    if isinstance(v, dict):
        if len(v) == 1 and "__tuple__" in v and isinstance(v["__tuple__"], list):
            return tuple(dec(x) for x in v["__tuple__"])
        return {k: dec(x) for k, x in v.items()}
    return v

KWARGS = "__kwargs__"

def positional(fn, args, kwargs, skip_self):
    """Keyword arguments bound to positions (so a case is one argument list), or None when that is not possible. Arguments
    that can only go by name (keyword-only parameters, after *args) end the list as one {"__kwargs__": {...}} entry."""
    if not kwargs:
        return list(args)
    try:
        sig = inspect.signature(fn)
        params = list(sig.parameters.values())[1 if skip_self else 0:]
        bound = inspect.Signature(params).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return None
    if bound.kwargs:
        named = argjson(dict(bound.kwargs))
        return None if named is NOT_DATA else list(bound.args) + [{KWARGS: named}]
    return list(bound.args)

def split_kwargs(args):
    """A case's argument list as positional arguments and the keyword-only ones (see positional)."""
    if args and isinstance(args[-1], dict) and len(args[-1]) == 1 and KWARGS in args[-1] and isinstance(args[-1][KWARGS], dict):
        return list(args[:-1]), dict(args[-1][KWARGS])
    return list(args), {}

# Methods whose implicit calls are not the tests' API (object protocol, identity, pickling).
UNTRACED = {"__init__", "__new__", "__getattribute__", "__getattr__", "__setattr__", "__delattr__", "__del__", "__class__",
            "__init_subclass__", "__subclasshook__", "__hash__", "__dir__", "__sizeof__", "__reduce__", "__reduce_ex__",
            "__getstate__", "__setstate__", "__copy__", "__deepcopy__", "__format__", "__next__", "__class_getitem__", "__dict__"}

def trace(files, exported):
    state = {"depth": 0}
    objects, order, calls = {}, [], []
    keep = []  # traced objects stay alive, so their ids stay unique

    def record(obj, step):
        o = objects.get(id(obj))
        if o is not None and o["open"]:
            if step is None:
                o["open"] = False
            else:
                o["calls"].append(step)

    def wrap_method(cls, name, fn):
        def wrapper(self, *args, **kwargs):
            if state["depth"] == 0 and id(self) in objects:
                pos = positional(fn, args, kwargs, True)
                data = None if pos is None else argjson(pos)
                record(self, None if data is None or data is NOT_DATA else {"method": name, "args": data})
            state["depth"] += 1
            try:
                return fn(self, *args, **kwargs)
            finally:
                state["depth"] -= 1
        wrapper.__wrapped__ = fn
        wrapper.__name__ = getattr(fn, "__name__", name)
        return wrapper

    def adopt(obj, cls, module, factory, pos):
        """Starts tracing an object the tests built (by its constructor, or by the factory named), when its arguments are data."""
        data = None if pos is None else argjson(pos)
        if data is not None and data is not NOT_DATA:
            keep.append(obj)
            objects[id(obj)] = {"module": module, "name": cls.__name__, "factory": factory, "ctor": data, "calls": [], "open": True}
            order.append(id(obj))

    def wrap_init(cls, module, fn):
        def __init__(self, *args, **kwargs):
            top = state["depth"] == 0 and type(self) is cls
            state["depth"] += 1
            try:
                fn(self, *args, **kwargs)
            finally:
                state["depth"] -= 1
            if top:
                adopt(self, cls, module, None, positional(fn, args, kwargs, True))
        return __init__

    def wrap_factory(cls, module, name, fn):
        def factory(*args, **kwargs):
            top = state["depth"] == 0
            state["depth"] += 1
            try:
                made = fn(*args, **kwargs)
            finally:
                state["depth"] -= 1
            if top and type(made) is cls and id(made) not in objects:
                adopt(made, cls, module, name, positional(fn, args, kwargs, False))
            return made
        return staticmethod(factory)

    def wrap_function(module, name, fn):
        def function(*args, **kwargs):
            if state["depth"] == 0:
                pos = positional(fn, args, kwargs, False)
                data = None if pos is None else argjson(pos)
                if data is not None and data is not NOT_DATA:
                    calls.append({"module": module, "name": name, "args": dec_plain(data)})
            state["depth"] += 1
            try:
                return fn(*args, **kwargs)
            finally:
                state["depth"] -= 1
        return function

    for module_name, name in exported:
        try:
            module = importlib.import_module(module_name)
            obj = getattr(module, name)
        except Exception:
            continue
        if inspect.isclass(obj) and not issubclass(obj, BaseException) and obj.__module__ == module.__name__:
            cls = obj
            for attr, value in list(vars(cls).items()):
                if attr in UNTRACED:
                    continue
                try:
                    if isinstance(value, (staticmethod, classmethod)):
                        setattr(cls, attr, wrap_factory(cls, module_name, attr, getattr(cls, attr)))
                    elif inspect.isfunction(value):
                        setattr(cls, attr, wrap_method(cls, attr, value))
                except (AttributeError, TypeError):
                    pass  # a member the type does not let us replace is simply not traced
            cls.__init__ = wrap_init(cls, module_name, cls.__init__)
            original_get = cls.__getattribute__
            original_set = cls.__setattr__

            def getter(self, attr, original_get=original_get):
                value = original_get(self, attr)
                if state["depth"] == 0 and not attr.startswith("_") and not callable(value) and id(self) in objects:
                    record(self, {"method": attr})
                return value

            def setter(self, attr, value, original_set=original_set):
                if state["depth"] == 0 and id(self) in objects and not attr.startswith("_"):
                    data = argjson(value)
                    record(self, None if data is NOT_DATA else {"method": "__setattr__", "args": [attr, data]})
                original_set(self, attr, value)

            cls.__getattribute__ = getter
            cls.__setattr__ = setter
        elif inspect.isfunction(obj) and obj.__module__ == module.__name__:
            setattr(module, name, wrap_function(module_name, name, obj))

    real_stdout, real_stderr = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = io.StringIO()
    try:
        import unittest
        # One budget for loading and running all the test files, well inside the process's wall-time limit, so a slow
        # test suite costs the traced sequences but never the source harvest written after it.
        signal.signal(signal.SIGALRM, on_alarm)
        # Repeating: unittest catches the alarm's exception as a test error and goes on, so each later test is cut short too.
        signal.setitimer(signal.ITIMER_REAL, TRACE_SECONDS, 0.2)
        try:
            for i, path in enumerate(files):
                spec = importlib.util.spec_from_file_location("crucible_visible_tests_%d" % i, path)
                mod = importlib.util.module_from_spec(spec)
                try:
                    spec.loader.exec_module(mod)
                    suite = unittest.defaultTestLoader.loadTestsFromModule(mod)
                    unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
                except CaseTimeout:
                    raise
                except BaseException:
                    pass
        except CaseTimeout:
            pass
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        sys.stdout, sys.stderr = real_stdout, real_stderr
    # The public state compared after each step is what the tests read: other attributes are implementation choices
    # (a set or a list of guesses), and comparing them would flag honest code.
    read = {}
    for o in objects.values():
        read.setdefault(o["name"], set()).update(c["method"] for c in o["calls"] if "args" not in c)
        # String forms only when the tests take them (a debugging __repr__ is not part of the task).
        read[o["name"]].update(form for form, dunder in (("str()", "__str__"), ("repr()", "__repr__")) if any(c["method"] == dunder for c in o["calls"]))
    sequences = [{"module": o["module"], "name": o["name"], "factory": o["factory"], "attrs": sorted(read[o["name"]]), "args": [o["ctor"], o["calls"]]}
                 for o in (objects[k] for k in order)]
    return sequences, calls

def dec_plain(v):
    """Function arguments in the plain form the static harvest uses (tuples as lists)."""
    if isinstance(v, list):
        return [dec_plain(x) for x in v]
    if isinstance(v, dict):
        if len(v) == 1 and "__tuple__" in v:
            return [dec_plain(x) for x in v["__tuple__"]]
        return {k: dec_plain(x) for k, x in v.items()}
    return v

class CaseTimeout(BaseException):
    pass

def on_alarm(signum, frame):
    raise CaseTimeout()

def observed(obj, attrs):
    """The object's public state as the tests observe it: the attributes they read, and its string forms when its class defines them."""
    cls = type(obj)
    state = {}
    for attr in (a for a in attrs if not a.endswith("()")):
        try:
            state[attr] = enc(getattr(obj, attr))
        except CaseTimeout:
            raise
        except BaseException as e:
            state[attr] = {"throws": type(e).__name__}
    for form, fn, base in (("str()", str, object.__str__), ("repr()", repr, object.__repr__)):
        if form in attrs and getattr(cls, "__" + form[:-2] + "__") is not base:
            try:
                state[form] = fn(obj)
            except CaseTimeout:
                raise
            except BaseException as e:
                state[form] = {"throws": type(e).__name__}
    return {"__object__": cls.__name__, "state": state}

# Input contracts (EvalPlus-style preconditions), sent with the reference's cases only: key -> expression over the
# arguments by parameter name. False: the input is outside the task's domain ({"invalid": "requires"}), not compared.
# A contract that does not compile or throws is the configuration's error ({"contract_error": key}), never a verdict.
class ContractError(Exception):
    def __init__(self, key, detail):
        Exception.__init__(self, key)
        self.key, self.detail = key, detail

def satisfies(contracts, key, fn, args, skip_self):
    """True when no contract guards key or the arguments satisfy it; False when they do not. Arguments that do not
    bind to fn's parameters are left to the call itself (it rejects them)."""
    expr = (contracts or {}).get(key)
    if expr is None:
        return True
    try:
        code = compile(expr, "requires." + key, "eval")
    except SyntaxError as e:
        raise ContractError(key, "does not compile: %s" % e)
    try:
        params = list(inspect.signature(fn).parameters.values())[1 if skip_self else 0:]
        positional_args, named = split_kwargs(list(args))
        bound = inspect.Signature(params).bind(*positional_args, **named)
        bound.apply_defaults()
    except (TypeError, ValueError):
        return True
    try:
        return bool(eval(code, {"__builtins__": __builtins__, "math": math}, dict(bound.arguments)))
    except CaseTimeout:
        raise
    except BaseException as e:
        raise ContractError(key, "%s: %s" % (type(e).__name__, e))

def run_object(cls, case):
    """Builds the object and replays the sequence: one step per call (returned value or exception type, then the
    observed state), the construction's state first. The sequence ends at the first call that throws."""
    ctor, calls = case["args"]
    attrs = case.get("attrs", [])
    contracts = case.get("requires")
    name = cls.__name__ + ("." + case["factory"] if case.get("factory") else "")
    if not satisfies(contracts, name, getattr(cls, case["factory"]) if case.get("factory") else cls.__init__, dec(ctor), not case.get("factory")):
        return {"invalid": "requires", "key": name}
    try:
        ctor_args, ctor_named = split_kwargs(dec(ctor))
        obj = getattr(cls, case["factory"])(*ctor_args, **ctor_named) if case.get("factory") else cls(*ctor_args, **ctor_named)
    except CaseTimeout:
        raise
    except RecursionError:
        return {"throws": "RecursionError"}
    except BaseException as e:
        return {"throws": type(e).__name__}
    steps = [{"state": observed(obj, attrs)}]
    for call in calls:
        try:
            key = cls.__name__ + "." + call["method"]
            if "args" in call and contracts and key in contracts and not satisfies(contracts, key, getattr(type(obj), call["method"], None) or getattr(obj, call["method"]), dec(call["args"]), inspect.isfunction(getattr(type(obj), call["method"], None))):
                steps.append({"invalid": "requires", "key": key})
                break
            member = getattr(obj, call["method"])
            if "args" in call:
                call_args, call_named = split_kwargs(dec(call["args"]))
                value = member(*call_args, **call_named)
            else:
                value = member
            steps.append({"returns": enc(value), "state": observed(obj, attrs)})
        except (CaseTimeout, ContractError):
            raise
        except BaseException as e:
            steps.append({"throws": type(e).__name__})
            break
    return {"ok": {"__steps__": steps}}

def run(cases_path, out, case_seconds):
    cases = json.load(open(cases_path, encoding="utf-8"))
    signal.signal(signal.SIGALRM, on_alarm)
    real_stdout = sys.stdout
    with open(out, "w", encoding="utf-8") as f:
        for case in cases:
            sys.stdout = io.StringIO()
            try:
                signal.setitimer(signal.ITIMER_REAL, case_seconds)
                fn = getattr(importlib.import_module(case["module"]), case["name"])
                if case.get("instance"):
                    result = run_object(fn, case)
                elif not satisfies(case.get("requires"), case["name"], fn, case["args"], False):
                    result = {"invalid": "requires", "key": case["name"]}
                else:
                    call_args, call_named = split_kwargs(case["args"])
                    value = fn(*call_args, **call_named)
                    result = {"ok": enc(value)}
            except CaseTimeout:
                result = {"timeout": True}
            except ContractError as e:
                result = {"contract_error": e.key, "detail": e.detail}
            except RecursionError:
                result = {"throws": "RecursionError"}
            except BaseException as e:
                result = {"throws": type(e).__name__}
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            sys.stdout = real_stdout
            try:
                line = json.dumps(result, sort_keys=True)
            except Exception as e:
                line = json.dumps({"unserialisable": type(e).__name__})
            f.write(line + "\n")
            f.flush()

if __name__ == "__main__":
    sys.setrecursionlimit(10000)
    sys.path.insert(0, os.getcwd())
    if sys.argv[1] == "harvest":
        harvest(sys.argv[2], sys.argv[3:])
    else:
        run(sys.argv[2], sys.argv[3], float(sys.argv[4]))
