"""Optuna's TPE and random search on the test functions of tpe-vs-optuna.ts.

Prints one JSON object: {"optuna": version, "results": {function: {sampler: [best - optimum per seed]}}}.
The functions mirror packages/tune/test/helpers/test-functions.ts; keep them identical.
Usage: python3 optuna_reference.py --budget 100 --seeds 20 [--functions a,b] [--samplers optuna-tpe,...]
"""
import argparse
import json
import math
import sys

import optuna

SPHERE_SHIFT = [1.5, -2.0, 0.5, 2.5]
MIXED_CENTRES = [0.3, -1.2, 2.0, -0.5, 1.0]
ACTIVATION_PENALTY = {"relu": 0.0, "tanh": 1.0, "sigmoid": 2.5}
OPTIMIZER_PENALTY = {"adam": 0.0, "sgd": 1.5, "rmsprop": 0.7, "adagrad": 2.0}


def shifted_sphere(trial):
    return sum((trial.suggest_float(f"x{i}", -5, 5) - s) ** 2 for i, s in enumerate(SPHERE_SHIFT))


def rosenbrock(trial):
    x = trial.suggest_float("x", -2, 2)
    y = trial.suggest_float("y", -2, 2)
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def branin(trial):
    x1 = trial.suggest_float("x1", -5, 10)
    x2 = trial.suggest_float("x2", 0, 15)
    b = 5.1 / (4 * math.pi ** 2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def mixed_10d(trial):
    total = sum((trial.suggest_float(f"x{i}", -3, 3) - c) ** 2 for i, c in enumerate(MIXED_CENTRES))
    learning_rate = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    total += (math.log10(learning_rate) + 3) ** 2
    layers = trial.suggest_int("layers", 1, 12)
    total += (layers - 7) ** 2 / 10
    units = trial.suggest_int("units", 8, 256, log=True)
    total += math.log2(units / 64) ** 2
    total += ACTIVATION_PENALTY[trial.suggest_categorical("activation", ["relu", "tanh", "sigmoid"])]
    total += OPTIMIZER_PENALTY[trial.suggest_categorical("optimizer", ["sgd", "adam", "rmsprop", "adagrad"])]
    return total


FUNCTIONS = {
    "shifted-sphere-4d": (shifted_sphere, 0.0),
    "rosenbrock-2d": (rosenbrock, 0.0),
    "branin": (branin, 0.39788735772973816),
    "mixed-10d": (mixed_10d, 0.0),
}

SAMPLERS = {
    "optuna-tpe": lambda seed: optuna.samplers.TPESampler(seed=seed),
    "optuna-tpe-multivariate": lambda seed: optuna.samplers.TPESampler(seed=seed, multivariate=True),
    "optuna-random": lambda seed: optuna.samplers.RandomSampler(seed=seed),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--functions", default=",".join(FUNCTIONS))
    parser.add_argument("--samplers", default=",".join(SAMPLERS))
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    import warnings

    warnings.filterwarnings("ignore")
    results = {}
    for name in args.functions.split(","):
        objective, optimum = FUNCTIONS[name]
        results[name] = {}
        for sampler_name in args.samplers.split(","):
            make_sampler = SAMPLERS[sampler_name]
            gaps = []
            for seed in range(args.seeds):
                study = optuna.create_study(sampler=make_sampler(seed))
                study.optimize(objective, n_trials=args.budget)
                gaps.append(study.best_value - optimum)
            results[name][sampler_name] = gaps
        print(f"optuna: {name} done", file=sys.stderr)
    print(json.dumps({"optuna": optuna.__version__, "results": results}))


if __name__ == "__main__":
    main()
