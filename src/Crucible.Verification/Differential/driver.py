# Crucible differential driver (Python). Runs inside the sandbox, outside any test framework.
#   harvest OUT TEST_FILE...   entry points the tests import, and the argument tuples of their literal calls
#   run CASES OUT              calls each case's function, one JSON result per line (flushed per case)
# Results are canonical JSON so the harness compares values, not representations.
import ast, importlib, inspect, io, json, math, os, signal, sys, types, itertools, random

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
    if cls.__repr__ is not object.__repr__ or cls.__str__ is not object.__str__:
        return {"__object__": cls.__name__, "str": str(v)}
    state = getattr(v, "__dict__", None)
    if isinstance(state, dict):
        return {"__object__": cls.__name__, "state": {k: enc(x, depth + 1) for k, x in state.items() if not k.startswith("_") and not callable(x)}}
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
    described = []
    for module, name in sorted(set(aliases.values())):
        try:
            obj = getattr(importlib.import_module(module), name)
        except Exception as e:
            described.append({"module": module, "name": name, "kind": "unavailable", "detail": type(e).__name__})
            continue
        kind = "class" if inspect.isclass(obj) else "function" if callable(obj) else "value"
        described.append({"module": module, "name": name, "kind": kind})
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"entries": described, "calls": calls, "literals": literals[:2000]}, f)

class CaseTimeout(BaseException):
    pass

def on_alarm(signum, frame):
    raise CaseTimeout()

def run(cases_path, out, case_seconds):
    cases = json.load(open(cases_path, encoding="utf-8"))
    signal.signal(signal.SIGALRM, on_alarm)
    real_stdout = sys.stdout
    with open(out, "w", encoding="utf-8") as f:
        for case in cases:
            sys.stdout = io.StringIO()
            random.seed(0)
            try:
                signal.setitimer(signal.ITIMER_REAL, case_seconds)
                fn = getattr(importlib.import_module(case["module"]), case["name"])
                value = fn(*case["args"])
                result = {"ok": enc(value)}
            except CaseTimeout:
                result = {"timeout": True}
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
