# Roster for the reconcile benchmark (BENCHMARKS.md section 8):
#   python3 benches/support/make_roster.py OUT_RUN/household_results.csv roster.csv
# every non-zero
# (household, program) of household_results.csv for 2019-07, one in fifty paid a yuan less,
# then 2019-06 rows of the same households until 1,500,000 rows.
import csv, sys
progs = [("dibao", ["dibao_monthly"]), ("tekun", ["tekun_basic_monthly", "tekun_care_monthly"]),
         ("disability_living", ["disability_living_monthly"]), ("disability_nursing", ["disability_nursing_monthly"]),
         ("high_age", ["high_age_monthly"]), ("orphan", ["orphan_monthly"])]
def fen(t):
    a, b = t.split(".") if "." in t else (t, "0")
    return int(a) * 100 + int((b + "00")[:2])
rows = []
with open(sys.argv[1], encoding="utf-8") as f:
    for r in csv.DictReader(f):
        for p, cols in progs:
            v = sum(fen(r[c]) for c in cols)
            if v > 0:
                rows.append((r["household_id"], p, v))
out = open(sys.argv[2], "w", encoding="utf-8")
out.write("household_id,program,month,amount\n")
n = 0
for i, (h, p, v) in enumerate(rows):
    if i % 50 == 0 and v > 100: v -= 100
    out.write(f"{h},{p},2019-07,{v//100}.{v%100:02d}\n"); n += 1
for h, p, v in rows:
    if n >= 1500000: break
    out.write(f"{h},{p},2019-06,{v//100}.{v%100:02d}\n"); n += 1
print(len(rows), n)
