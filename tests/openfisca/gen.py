"""Deterministic situations for the comparison of `pol` with OpenFisca's country template.

Writes `households.csv` (household_id,rent,accommodation_size,housing_occupancy_status,postal_code)
and `persons.csv` (person_id,household_id,role,birth,salary,capital_returns) in the batch layout
of `policies/openfisca_country_template` (amounts per month, constant over the year).

Households have 1 to 6 members: a first adult born 1930-1997 (so every household has a member in
every month compared), then adults and children; births run from 1930 to 2018, with the 29th of
February and the 1st of months on purpose; salaries run from 0 to about 80,000 with values on and
around the thresholds of the contribution scale (6000, 12000, 12100, 12200, 12300, 12400) and of
the parenting allowance (500 for a household); rents, sizes (some of them fractional) and capital
returns vary; every housing status occurs.

    python gen.py --households 10000 --seed 12 --out DIR
"""

import argparse
import csv
import datetime
import os
import random

STATUSES = ["owner", "tenant", "free_lodger", "homeless"]
THRESHOLDS = [0, 6000, 12000, 12100, 12200, 12300, 12400, 250, 249, 500, 499, 1000, 999, 2000]


def birth(rng, first_year, last_year):
    """A birth date: sometimes the 29th of February or the 1st of a month."""
    year = rng.randint(first_year, last_year)
    pick = rng.random()
    if pick < 0.05:
        leap = [y for y in range(first_year, last_year + 1) if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)]
        return datetime.date(rng.choice(leap), 2, 29)
    month = rng.randint(1, 12)
    if pick < 0.25:
        return datetime.date(year, month, 1)
    return datetime.date(year, month, rng.randint(1, 28))


def money(rng, top):
    """An amount per month in euros: often zero, whole euros or cents, some on thresholds."""
    pick = rng.random()
    if pick < 0.25:
        return "0"
    if pick < 0.40:
        value = rng.choice(THRESHOLDS) + rng.choice([-0.01, 0, 0, 0.01, 1])
        return f"{max(value, 0):.2f}"
    if pick < 0.70:
        return str(rng.randint(0, top))
    return f"{rng.randint(0, top * 100) / 100:.2f}"


def salary(rng):
    """Mostly modest salaries, a tail up to about 80,000 a month."""
    top = rng.choice([1000, 3000, 8000, 15000, 80000])
    return money(rng, top)


def generate(households, seed):
    rng = random.Random(seed)
    house_rows, person_rows = [], []
    person = 0
    for index in range(households):
        household_id = f"H{index + 1}"
        status = STATUSES[index % 4] if index < 8 else rng.choice(STATUSES)
        rent = money(rng, 2000) if status == "tenant" or rng.random() < 0.1 else "0"
        size_pick = rng.random()
        if size_pick < 0.1:
            size = "0"
        elif size_pick < 0.6:
            size = str(rng.randint(9, 250))
        else:
            size = f"{rng.randint(900, 40000) / 100:.2f}"
        postal = "" if rng.random() < 0.1 else f"{rng.randint(1000, 99999):05d}"
        house_rows.append([household_id, rent, size, status, postal])
        members = rng.choice([1, 1, 2, 2, 2, 3, 3, 4, 5, 6])
        for member in range(members):
            person += 1
            if member == 0:
                role, born = "adult", birth(rng, 1930, 1997)
            elif member == 1 and rng.random() < 0.7:
                role, born = "adult", birth(rng, 1930, 2000)
            else:
                role = "child" if rng.random() < 0.85 else "adult"
                born = birth(rng, 1995, 2018) if role == "child" else birth(rng, 1930, 2000)
            pay = salary(rng) if role == "adult" or rng.random() < 0.1 else "0"
            capital = money(rng, 3000) if rng.random() < 0.2 else "0"
            person_rows.append([f"P{person}", household_id, role, born.isoformat(), pay, capital])
    return house_rows, person_rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    house_rows, person_rows = generate(args.households, args.seed)
    with open(os.path.join(args.out, "households.csv"), "w", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["household_id", "rent", "accommodation_size", "housing_occupancy_status", "postal_code"])
        writer.writerows(house_rows)
    with open(os.path.join(args.out, "persons.csv"), "w", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["person_id", "household_id", "role", "birth", "salary", "capital_returns"])
        writer.writerows(person_rows)


if __name__ == "__main__":
    main()
