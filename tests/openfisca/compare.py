"""Compares `pol run policies/openfisca_country_template` with OpenFisca's country template 8.2.0.

Generates deterministic situations (gen.py), and for each month compared runs the built `pol`
binary (`$POL_BIN`, else `target/debug/pol`) on them, and OpenFisca itself, vectorised (the
simulation built from entity arrays, every input constant over the as-of year, monthly variables
at the month, `housing_tax` at the year), once in float32 as the template ships and once in
float64 (openfisca_core's value-type table set to float64 before the tax-benefit system is
built), each in a process of its own. It then checks:

- every person and household amount: |pol - of64| <= 0.01 + |of32 - of64| + 1e-9;
- the household totals (total_benefits, total_taxes, disposable_income): within 0.01 per member
  of of64, with the same allowance for float32's error (the policy is computed to a millionth of
  a euro and each amount rounded to the cent once, so every amount is within half a cent; the
  amounts beyond half a cent are counted and printed, and there should be none);
- `age` exactly.

Every person is in every month's situation, also one born after the month's first day: both
count their age downwards the same way (born 2018-01-15: -2 on 2017-01-01).
On failure it prints the first differing rows with every input of their household, and exits 1.

    .venv-openfisca/bin/python tests/openfisca/compare.py [--households 10000] [--months ...]
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MONTHS = [
    "2015-12", "2016-02", "2016-03", "2016-07", "2016-11", "2016-12", "2017-01",
    "2017-03", "2017-09", "2018-01", "2018-02", "2018-06", "2018-12",
]
PERSON_AMOUNTS = ["basic_income", "pension", "income_tax", "social_security_contribution"]
HOUSEHOLD_AMOUNTS = ["housing_allowance", "parenting_allowance", "housing_tax"]
HOUSEHOLD_TOTALS = ["total_benefits", "total_taxes", "disposable_income"]
MONTHLY_HOUSEHOLD = ["housing_allowance", "parenting_allowance", "total_benefits", "total_taxes", "disposable_income"]


def read_csv(path):
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def month_situation(data, month, out):
    """The households and the persons of the month (all of them, whatever their birth)."""
    persons = read_csv(os.path.join(data, "persons.csv"))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "persons.csv"), "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(persons[0].keys()), lineterminator="\n")
        writer.writeheader()
        writer.writerows(persons)
    with open(os.path.join(data, "households.csv")) as source, open(os.path.join(out, "households.csv"), "w") as target:
        target.write(source.read())


# ---------------------------------------------------------------------------------- OpenFisca


def openfisca_worker(dtype, data_dirs, result):
    """Computes every month of `data_dirs` (month=dir pairs) with OpenFisca; writes an .npz."""
    import numpy
    from openfisca_core.variables import config

    if dtype == "float64":
        # The supported switch: the dtype of `float` variables comes from this table when the
        # tax-benefit system instantiates its variables.
        config.VALUE_TYPES[float]["dtype"] = numpy.float64
    from openfisca_core import periods
    from openfisca_core.simulations import SimulationBuilder
    from openfisca_country_template import CountryTaxBenefitSystem

    system = CountryTaxBenefitSystem()
    arrays = {}
    for pair in data_dirs:
        month, directory = pair.split("=", 1)
        households = read_csv(os.path.join(directory, "households.csv"))
        persons = read_csv(os.path.join(directory, "persons.csv"))
        builder = SimulationBuilder()
        builder.create_entities(system)
        builder.declare_person_entity("person", [row["person_id"] for row in persons])
        household = builder.declare_entity("household", [row["household_id"] for row in households])
        builder.join_with_persons(household, [row["household_id"] for row in persons], [row["role"] for row in persons])
        simulation = builder.build(system)
        year = periods.period(month[:4])
        column = lambda rows, name: numpy.array([float(row[name]) for row in rows])
        for sub in year.get_subperiods(periods.DateUnit.MONTH):
            simulation.set_input("salary", sub, column(persons, "salary"))
            simulation.set_input("capital_returns", sub, column(persons, "capital_returns"))
            simulation.set_input("rent", sub, column(households, "rent"))
            simulation.set_input("accommodation_size", sub, column(households, "accommodation_size"))
            statuses = numpy.array([row["housing_occupancy_status"] for row in households])
            simulation.set_input("housing_occupancy_status", sub, statuses)
        births = numpy.array([row["birth"] for row in persons], dtype="datetime64[D]")
        simulation.set_input("birth", periods.period(periods.DateUnit.ETERNITY), births)
        for name in ["age"] + PERSON_AMOUNTS + MONTHLY_HOUSEHOLD:
            arrays[f"{month}/{name}"] = numpy.asarray(simulation.calculate(name, month)).astype(numpy.float64)
        arrays[f"{month}/housing_tax"] = numpy.asarray(simulation.calculate("housing_tax", month[:4])).astype(numpy.float64)
    numpy.savez(result, **arrays)


# --------------------------------------------------------------------------------- comparison

# The largest |pol - of64| per variable, and per variable the amounts more than half a cent away
# (beyond float32's error): rounding once to the cent, there should be none.
WORST = {}
HALF_CENT = {}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--months", nargs="*", default=MONTHS)
    parser.add_argument("--policy", default=os.path.join(ROOT, "policies", "openfisca_country_template"))
    parser.add_argument("--openfisca-worker", nargs=2, metavar=("DTYPE", "RESULT"))
    parser.add_argument("--dirs", nargs="*", default=[])
    args = parser.parse_args()
    if args.openfisca_worker:
        openfisca_worker(args.openfisca_worker[0], args.dirs, args.openfisca_worker[1])
        return 0
    import numpy

    pol = os.environ.get("POL_BIN", os.path.join(ROOT, "target", "debug", "pol"))
    with tempfile.TemporaryDirectory(prefix="pol-openfisca-") as tmp:
        data = os.path.join(tmp, "data")
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "gen.py"), "--households",
                        str(args.households), "--seed", str(args.seed), "--out", data], check=True)
        dirs = []
        for month in args.months:
            directory = os.path.join(tmp, month)
            month_situation(data, month, directory)
            dirs.append(f"{month}={directory}")
            run = subprocess.run([pol, "run", args.policy, "--households", os.path.join(directory, "households.csv"),
                                  "--persons", os.path.join(directory, "persons.csv"), "--as-of", f"{month}-01",
                                  "--out", os.path.join(directory, "out")], capture_output=True, text=True)
            if run.returncode != 0:
                print(f"pol run failed for {month}:\n{run.stdout}{run.stderr}")
                return 1
        workers = {}
        for dtype in ["float32", "float64"]:
            result = os.path.join(tmp, f"{dtype}.npz")
            workers[dtype] = (subprocess.Popen([sys.executable, __file__, "--openfisca-worker", dtype, result, "--dirs", *dirs]), result)
        results = {}
        for dtype, (process, result) in workers.items():
            if process.wait() != 0:
                print(f"OpenFisca ({dtype}) failed")
                return 1
            results[dtype] = numpy.load(result)
        failures, compared = 0, 0
        for month in args.months:
            directory = os.path.join(tmp, month)
            failures += compare_month(month, directory, results["float32"], results["float64"])
            compared += 1
        households = len(read_csv(os.path.join(data, "households.csv")))
        persons = len(read_csv(os.path.join(data, "persons.csv")))
        print(f"compared {households} households ({persons} persons) over {compared} months "
              f"({', '.join(args.months)}): {failures} differences")
        print("largest |pol - OpenFisca float64|: " + ", ".join(f"{name} {value:.6f}" for name, value in WORST.items()))
        beyond = ", ".join(f"{name} {value}" for name, value in HALF_CENT.items())
        print(f"amounts more than half a cent from OpenFisca float64 beyond its float32 error: {beyond or 'none'}")
        return 1 if failures else 0


def count_half_cent(name, ours, wide, narrow):
    import numpy

    beyond = numpy.abs(ours - wide) > 0.005 + numpy.abs(narrow - wide) + 1e-6
    if numpy.any(beyond):
        HALF_CENT[name] = HALF_CENT.get(name, 0) + int(numpy.count_nonzero(beyond))


def compare_month(month, directory, of32, of64):
    import numpy

    households = read_csv(os.path.join(directory, "households.csv"))
    persons = read_csv(os.path.join(directory, "persons.csv"))
    pol_households = read_csv(os.path.join(directory, "out", "household_results.csv"))
    pol_persons = read_csv(os.path.join(directory, "out", "person_results.csv"))
    assert [row["household_id"] for row in pol_households] == [row["household_id"] for row in households]
    assert [row["person_id"] for row in pol_persons] == [row["person_id"] for row in persons]
    members = {}
    for row in persons:
        members.setdefault(row["household_id"], []).append(row)
    differences = []
    pol_age = numpy.array([int(row["age"]) for row in pol_persons])
    of_age = of64[f"{month}/age"]
    for index in numpy.nonzero(pol_age != of_age)[0]:
        differences.append(("person", index, "age", pol_age[index], of_age[index], of32[f"{month}/age"][index], 0))
    for name in PERSON_AMOUNTS:
        ours = numpy.array([float(row[name]) for row in pol_persons])
        wide, narrow = of64[f"{month}/{name}"], of32[f"{month}/{name}"]
        WORST[name] = max(WORST.get(name, 0.0), float(numpy.max(numpy.abs(ours - wide), initial=0.0)))
        allowed = 0.01 + numpy.abs(narrow - wide) + 1e-9
        for index in numpy.nonzero(numpy.abs(ours - wide) > allowed)[0]:
            differences.append(("person", index, name, ours[index], wide[index], narrow[index], allowed[index]))
        count_half_cent(name, ours, wide, narrow)
    count = numpy.array([len(members.get(row["household_id"], [])) for row in households])
    for name in HOUSEHOLD_AMOUNTS + HOUSEHOLD_TOTALS:
        ours = numpy.array([float(row[name]) for row in pol_households])
        wide, narrow = of64[f"{month}/{name}"], of32[f"{month}/{name}"]
        # The contract: a total within 0.01 per member. The policy is computed to a millionth of a
        # euro (`currency EUR precision 0.000001`), each total rounded to the cent once.
        per = 0.01 * count if name in HOUSEHOLD_TOTALS else 0.01
        allowed = per + numpy.abs(narrow - wide) + 1e-9
        for index in numpy.nonzero(numpy.abs(ours - wide) > allowed)[0]:
            differences.append(("household", index, name, ours[index], wide[index], narrow[index], allowed[index]))
        count_half_cent(name, ours, wide, narrow)
        WORST[name] = max(WORST.get(name, 0.0), float(numpy.max(numpy.abs(ours - wide), initial=0.0)))
    for entity, index, name, ours, wide, narrow, allowed in differences[:5]:
        household = households[index] if entity == "household" else next(
            row for row in households if row["household_id"] == persons[index]["household_id"])
        print(f"{month}: {entity} {index + 1} `{name}`: pol {ours}, OpenFisca float64 {wide!r}, float32 {narrow!r}, "
              f"allowed {allowed!r}")
        print(f"  household {household}")
        for row in members.get(household["household_id"], []):
            print(f"  person {row}")
    return len(differences)


if __name__ == "__main__":
    sys.exit(main())
