"""OpenFisca's side of the speed comparison in docs/openfisca.md: one process that reads the
batch files of `pol run policies/openfisca_country_template` (gen.py's layout), builds the
simulation from entity arrays, computes the same outputs for one month (float32, as the template
ships) and writes `household_results.csv` and `person_results.csv` with the same columns.
Prints the time of each phase.

    .venv-openfisca/bin/python tests/openfisca/bench.py --data DIR --month 2017-01 --out DIR
"""

import argparse
import csv
import os
import time


def columns(path):
    with open(path, newline="") as file:
        reader = csv.reader(file)
        header = next(reader)
        values = list(zip(*reader))
    return {name: values[index] for index, name in enumerate(header)}


def write(path, header, ids, arrays, formats):
    with open(path, "w") as file:
        file.write(",".join(header) + "\n")
        texts = [[fmt % value for value in array] for array, fmt in zip(arrays, formats)]
        for row in zip(ids, *texts):
            file.write(",".join(row) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--month", default="2017-01")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    start = time.perf_counter()
    import numpy
    from openfisca_core import periods
    from openfisca_core.simulations import SimulationBuilder
    from openfisca_country_template import CountryTaxBenefitSystem

    system = CountryTaxBenefitSystem()
    loaded = time.perf_counter()
    households = columns(os.path.join(args.data, "households.csv"))
    persons = columns(os.path.join(args.data, "persons.csv"))
    read = time.perf_counter()
    builder = SimulationBuilder()
    builder.create_entities(system)
    builder.declare_person_entity("person", persons["person_id"])
    household = builder.declare_entity("household", households["household_id"])
    builder.join_with_persons(household, numpy.array(persons["household_id"]), numpy.array(persons["role"]))
    simulation = builder.build(system)
    number = lambda values: numpy.array(values, dtype=numpy.float64)
    salary, capital = number(persons["salary"]), number(persons["capital_returns"])
    rent, size = number(households["rent"]), number(households["accommodation_size"])
    status = numpy.array(households["housing_occupancy_status"])
    for sub in periods.period(args.month[:4]).get_subperiods(periods.DateUnit.MONTH):
        simulation.set_input("salary", sub, salary)
        simulation.set_input("capital_returns", sub, capital)
        simulation.set_input("rent", sub, rent)
        simulation.set_input("accommodation_size", sub, size)
        simulation.set_input("housing_occupancy_status", sub, status)
    simulation.set_input("birth", periods.period(periods.DateUnit.ETERNITY), numpy.array(persons["birth"], dtype="datetime64[D]"))
    built = time.perf_counter()
    person_names = ["age", "basic_income", "pension", "income_tax", "social_security_contribution"]
    person_values = [simulation.calculate(name, args.month) for name in person_names]
    household_names = ["housing_allowance", "parenting_allowance", "housing_tax", "total_benefits", "total_taxes", "disposable_income"]
    household_values = [
        simulation.calculate(name, args.month[:4] if name == "housing_tax" else args.month) for name in household_names
    ]
    computed = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    write(os.path.join(args.out, "person_results.csv"), ["person_id"] + person_names, persons["person_id"],
          person_values, ["%d"] + ["%.2f"] * 4)
    write(os.path.join(args.out, "household_results.csv"), ["household_id"] + household_names,
          households["household_id"], household_values, ["%.2f"] * 6)
    written = time.perf_counter()
    print(f"import and tax-benefit system {loaded - start:.2f} s, read {read - loaded:.2f} s, "
          f"build and inputs {built - read:.2f} s, compute {computed - built:.2f} s, write {written - computed:.2f} s, "
          f"total {written - start:.2f} s")


if __name__ == "__main__":
    main()
