# English texts of every diagnostic, keyed by its code (`pol::a::b` → `pol-a-b`).
# These are the texts the errors' derives print; the Chinese catalogue is matched against them.

pol-parse-unexpected = expected { $expected }, found { $found }
    .label = unexpected here
    .help = { $help }

pol-parse-dangling-operator = `{ $operator }` has nothing after it
    .label = this `{ $operator }` needs a value after it
    .help = { $help }

pol-parse-unterminated-string = unterminated string
    .label = this string has no closing `"`
    .help = close the string with `"` on the same line; write a line break inside a string as `\n`

pol-parse-bad-escape = unknown escape `{ $escape }` in a string
    .label = unknown escape
    .help = the escapes are `\"`, `\\`, `\n`, `\t`, `\r` and `\u{"{"}4E00{"}"}`; write a backslash itself as `\\`

pol-parse-bad-date = `{ $text }` is not a valid date
    .label = { $reason }
    .help = write a real day as `YYYY-MM-DD`, e.g. `2019-05-01`

pol-parse-bad-number = invalid number `{ $text }`
    .label = { $reason }
    .help = { $help }

pol-parse-keyword-as-name = `{ $keyword }` is a keyword and cannot be used as a name
    .label = a name is expected here
    .help = choose another name, e.g. `{ $keyword }_value`; the reserved words are listed in docs/language.md

pol-parse-nesting-too-deep = expression nested too deeply
    .label = more than 64 levels deep here
    .help = split the expression: give parts of it their own rules and refer to them by name

pol-parse-too-complex = this part of the file is too complex to parse
    .label = the parser gave up here
    .help = simplify it: split long expressions into several rules and check the brackets

pol-parse-unknown-unit = unknown unit `{ $unit }`
    .label = not a unit
    .help = { $help }

pol-parse-empty-enum = enum `{ $name }` has no variants
    .label = no variants
    .help = list its variants inside the braces, e.g. `enum { $name } {"{"} yes, no {"}"}`

pol-parse-aggregate = { $message }
    .label = here
    .help = { $help }

pol-parse-duplicate = `{ $what }` is given twice
    .label = given again here
    .label-2 = first given here
    .help = keep only one `{ $what }`

pol-parse-internal = internal parser error: { $detail }
    .label = while parsing this
    .help = this is a bug in pol, not in your policy; please report it with the file that triggers it

pol-jurisdictions-undeclared = jurisdictions.csv is given but the policy declares no `jurisdictions` block
    .label = these columns are not declared
    .help = declare its columns in a `.pol` file: `jurisdictions {"{"} county_code: key, city_code: city, … {"}"}`

pol-jurisdictions-empty = jurisdictions.csv is empty
    .label = no header row
    .help = the first line names the columns, one county per line follows

pol-jurisdictions-missing-column = jurisdictions.csv has no column `{ $column }`
    .label = `{ $column }` is missing from the header
    .help = add the column, or remove it from the `jurisdictions` block

pol-jurisdictions-extra-column = jurisdictions.csv has an undeclared column `{ $column }`
    .label = not in the `jurisdictions` block
    .help = declare it in the `jurisdictions` block, or remove it from the file

pol-jurisdictions-duplicate-column = jurisdictions.csv names the column `{ $column }` twice
    .label = named again here
    .label-2 = first here
    .help = remove one of them

pol-jurisdictions-field-count = line { $line } has { $found } fields, the header has { $expected }
    .label = { $found } fields
    .help = every line has one field per header column, separated by commas

pol-jurisdictions-bad-value = `{ $value }` is not a valid `{ $column }`
    .label = expected { $expected }

pol-jurisdictions-duplicate-code = county `{ $code }` is listed twice
    .label = listed again here
    .label-2 = first listed here, line { $first_line }
    .help = each county has one line; remove one of them

pol-jurisdictions-quote = badly quoted field on line { $line }
    .label = quote not closed before the next comma or the end of the line
    .help = a quoted field ends with `"` right before the next comma; write `""` for a quote inside it

pol-params-syntax = invalid TOML: { $message }
    .label = here
    .help = a parameter file is `jurisdiction = "CODE"` followed by date tables such as `[2019-01-01]` of `name = value` lines

pol-params-missing-jurisdiction = parameter file has no `jurisdiction`
    .label = no `jurisdiction = "…"` in this file
    .help = add `jurisdiction = "610800"` (a city code, or the code of a county that sets its own values) before the first date table

pol-params-unknown-jurisdiction = { $message }
    .label = not a city or county code

pol-params-duplicate-jurisdiction = a second parameter file for `{ $code }`
    .label = another file already sets the values of `{ $code }`
    .help = each city or county publishes one parameter file; merge the values into one file with dated tables
    .related = the first file for `{ $code }`

pol-params-county-not-own = county `{ $code }` does not set its own parameters
    .label = this county takes its city's values
    .help = jurisdictions.csv has `{ $attr }` = false for `{ $code }`, so its city's values apply; put these values in the city's file, or set `{ $attr }` to true for `{ $code }`
    .related = `{ $attr }` is false for `{ $code }` here

pol-params-undated-value = `{ $name }` has no date
    .label = not under a date header
    .help = put it under a table header giving the day it takes effect, e.g. `[2019-01-01]`

pol-params-bad-date = `{ $header }` is not a date
    .label = { $label }

pol-params-unknown-param = unknown parameter `{ $name }`
    .label = not a parameter of the policy

pol-params-not-settable = { $message }
    .label = { $label }

pol-params-wrong-unit = `{ $name }` is { $expected }, not { $found }
    .label = { $found }

pol-params-precision = { $message }
    .label = { $label }

pol-params-bad-value = `{ $name }` must be { $expected }
    .label = { $label }

pol-params-duplicate-value = `{ $name }` is set twice for { $date }
    .label = set again here
    .label-2 = first set here
    .help = keep one of the two values

pol-params-constraint = { $message }
    .label = { $label }
    .related = the rule this value breaks is declared here

pol-params-eval = cannot compute `{ $name }`{ $place }: { $reason }
    .label = { $reason }

pol-params-cycle = the value of `{ $name }` depends on itself
    .label = `{ $name }` is used again here, while computing it
    .help = a parameter's value may use other parameters, but not, through them, itself

pol-params-unknown-place = unknown jurisdiction `{ $code }`
    .help = use a county code or a city code of jurisdictions.csv

pol-params-internal = internal error: { $message }; please report this
    .label = here

pol-jit-internal = internal error: the compiled engine cannot translate { $what }; please report this
    .label = this cannot be compiled
    .help = evaluate with the interpreter instead (`--engine interp`), and please report this with the policy

pol-jit-codegen = internal error: native code generation failed ({ $arg0 }); please report this
    .help = evaluate with the interpreter instead (`--engine interp`), and please report this with the policy

pol-name-unknown = unknown { $what } `{ $name }`
    .label = expected { $expected }

pol-name-duplicate = `{ $name }` is declared twice
    .label = this { $what } is declared again here
    .label-2 = first declared here

pol-name-reserved-output = output `{ $name }` would overwrite { $file }
    .label = this name is reserved for { $file }
    .help = `pol run` writes { $file } itself; rename the output (reserved names: { $reserved })

pol-schema-no-jurisdictions = { $what } needs jurisdictions, and this policy declares none
    .label = the province is the only level here
    .help = without a `jurisdictions` block the province is the only level: remove { $what }, or declare the counties in `jurisdictions` and `jurisdictions.csv`

pol-scale-as-value = `{ $name }` is a scale, not a value
    .label = a scale, where a value is expected
    .help = apply it to a value: `marginal({ $name }, x)` adds up each bracket's rate × the part of x in it; `bracket({ $name }, x)` is the rate or amount of the bracket x falls in

pol-scale-not-a-scale = `{ $function }` applies a scale, and `{ $found }` is not one
    .label = not a scale
    .help = name a parameter declared as `scale(THRESHOLD TYPE, VALUE TYPE)`, e.g. `{ $function }(income_tax, income)`

pol-scale-marginal = `marginal` needs a scale of rates over amounts of money, or a scale of amounts; `{ $name }` is `scale({ $thresholds }, { $values })`
    .label = rates over thresholds that are not money
    .help = `marginal` adds up rate × the part of an amount in each bracket (rates over money), or the amounts of the brackets below a value (a scale of amounts); for the rate of the bracket a value falls in, write `bracket({ $name }, x)`

pol-scale-type = a scale cannot have { $part } of type `{ $ty }`
    .label = not allowed in a scale
    .help = thresholds are money (`元/年`, …) or `int`; values are rates (`ratio`), money or `int`: e.g. `scale(元/年, ratio)`, `scale(int, 元/月)`

pol-scale-misplaced = only a parameter can be a scale
    .label = a scale here
    .help = declare the brackets as `param NAME: scale(THRESHOLD TYPE, VALUE TYPE) {"{"} = [THRESHOLD: VALUE, …] {"}"}` and apply them with `marginal` or `bracket`

pol-scale-value = a scale's value is a list of brackets
    .label = not a list of brackets
    .help = write the brackets in square brackets, each a threshold and its rate or amount: `[0: 3%, 12000: 10%]`

pol-scale-empty = a scale needs at least one bracket
    .label = no bracket
    .help = write at least one bracket, a threshold and its rate or amount: `[0: 3%]`; a scale that no longer applies is `= none`

pol-scale-thresholds = the thresholds of a scale must increase: `{ $threshold }` comes after `{ $previous }`
    .label = not above the threshold before
    .label-2 = the threshold before
    .help = list the brackets from the lowest threshold to the highest, each threshold above the one before

pol-scale-mixed = a scale of `{ $expected }` cannot hold `{ $found }`: its brackets are all rates or all amounts
    .label = `{ $found }`, not `{ $expected }`
    .help = every bracket of a scale holds a value of its declared type: rates (`15%`) in a `ratio` scale, amounts (`500 元/月`) in a money scale

pol-unit-currency = `{ $unit }` is not in this policy's currency, `{ $currency }`
    .label = another currency

pol-unit-currency-twice = the policy declares its currency twice: `{ $first_currency }`, then `{ $currency }`
    .label = declared again here
    .label-2 = first declared here
    .help = a policy has one currency: keep one `currency` line

pol-unit-precision = `precision { $written }` is not a precision amounts can be computed to
    .label = not 0.01 … 0.000001
    .help = write one of `0.01` (the cent, as without `precision`), `0.001`, `0.0001`, `0.00001` or `0.000001`: amounts are computed to that fraction of a `{ $currency }` and written to the cent

pol-name-no-enum-context = cannot tell which enum `{ $name }` belongs to
    .label = no enum type is expected here

pol-name-members = `members` can only be used inside an aggregate
    .label = not inside `count`, `sum`, `any`, `all`, `max`, `min` or `first`
    .help = aggregate the members, e.g. `count(members where …)` or `sum(members, …)`

pol-scope-not-allowed = { $what } cannot be used in { $place }
    .label = not allowed here

pol-type-mismatch = expected { $expected }, found `{ $found }`
    .label = this is `{ $found }`
    .label-2 = expected because of this

pol-unit-mismatch = expected `{ $expected }`, found `{ $found }`
    .label = this is `{ $found }`
    .label-2 = this is `{ $expected }`

pol-unit-mismatch--2 = cannot { $verb } `{ $left }` and `{ $right }`
    .label = this is `{ $right }`
    .label-2 = this is `{ $left }`

pol-type-operator = cannot apply `{ $op }` to `{ $left }` and `{ $right }`
    .label = this is `{ $right }`
    .label-2 = this is `{ $left }`

pol-type-operator--2 = cannot apply `{ $op }` to `{ $ty }`
    .label = this is `{ $ty }`

pol-type-conversion = cannot convert `{ $from }` to `{ $to }`
    .label = no conversion from `{ $from }` to `{ $to }`

pol-literal-precision = a { $kind } has at most { $max } decimals
    .label = { $found } decimals

pol-literal-overflow = number too large for `{ $ty }`
    .label = does not fit
    .help = values must lie within ±9,223,372,036,854,775,807 in their unit's smallest step (fen, 10⁻⁹ for ratios)

pol-literal-not-constant = { $place } must be a literal value
    .label = not a literal
    .help = write a number, `true`/`false`, a date, a text or an enum variant

pol-literal-empty-range = empty range `{ $low }..{ $high }`
    .label = matches nothing
    .help = write the smaller bound first: ranges include both ends

pol-match-non-exhaustive = `match` does not cover { $missing }
    .label = some values of this have no arm

pol-match-unreachable = this arm is never used
    .label = already covered by the arms above
    .help = earlier arms match every value this pattern matches; remove the arm or move it up

pol-call-arity = `{ $name }` takes { $expected }
    .label = found { $found }

pol-rule-cycle = rule `{ $name }` depends on itself: { $cycle }
    .label = this rule
    .help = a rule cannot use its own value, directly or through other rules; break the cycle

pol-param-cycle = parameter `{ $name }` depends on itself: { $cycle }
    .label = this parameter
    .help = a parameter's value cannot follow itself, directly or through other parameters

pol-expr-too-deep = expression nested too deeply
    .label = more than { $limit } levels of nesting
    .help = split it into several rules

pol-schema-column = a `{ $block }` column cannot be of type `{ $ty }`
    .label = not allowed here

pol-schema-default = column `{ $name }` cannot have a default
    .label = not allowed on a `key` or `household` column
    .help = tests generate keys and links to the household; remove the default

pol-schema-key = the `jurisdictions` block has no `key` column
    .label = needs a `key` column
    .help = mark the column holding the county code with `: key`, e.g. `county_code: key`

pol-report-invalid = { $message }
    .label = { $label }

pol-program-unknown-rule = program `{ $id }` adds `{ $rule }`, which is not a household rule
    .label = not a household rule
    .help = a program's monthly amount is the sum of household rules of type `元/月`, e.g. `household dibao_monthly: 元/月 = …`

pol-program-not-monthly = program `{ $id }` adds `{ $rule }` of type `{ $ty }`, not `元/月`
    .label = not money per month
    .help = a program's amount is money per month: add rules of type `元/月`, or give the rule that type with `as 元/月`

pol-program-duplicate = program `{ $id }` is declared twice
    .label = declared again here
    .label-2 = first declared here
    .help = give each program its own id: a roster names programs by id

pol-program-visit = the visit list `{ $rule }` is not a household `bool` rule
    .label = not a household `bool` rule
    .help = name the household rule that is true for a household on the visit list, e.g. `visit = visit_required`

pol-program-visit-twice = the visit list is declared twice
    .label = declared again here
    .label-2 = first declared here
    .help = a policy has one visit list; keep one `visit = …`

pol-reconcile-no-programs = the policy in `{ $policy }` declares no programs to reconcile
    .label = no `program` is declared in this policy: add one, e.g. in this file
    .help = declare each program the roster pays, with the household rules of its monthly amount, e.g. `program dibao "最低生活保障" = dibao_monthly`

pol-reconcile-overflow = the amounts of program `{ $program }` for household `{ $household }` add up beyond the largest amount
    .help = check the household's input: the rules of one program add up to more than 92 trillion yuan

pol-test-missing-column = { $entity } record has no value for `{ $column }`
    .label = `{ $column }` is missing and has no default

pol-test-unknown-county = unknown county code `{ $code }`
    .label = not a county of jurisdictions.csv

pol-test-no-record = the test has no { $entity } { $index }
    .label = there are { $count } { $entity } records
    .help = `person N` and `case N` count from 1 in the order the records are written

pol-test-generated-field = `{ $column }` is filled in by the test
    .label = remove this field
    .help = leave it out: the test links persons and cases to its household

pol-test-household = a test has exactly one household
    .label = second household
    .label-2 = first household
    .help = write one test per household

pol-test-out-of-range = `{ $value }` is outside the range of `{ $column }`
    .label = `{ $column }` is between { $low } and { $high }

pol-internal = internal error in the checker: { $message }; please report this
    .label = while checking this

pol-explain-not-found = no household `{ $id }` in `{ $file }`
    .help = check the id; ids are compared exactly, without trimming

pol-explain-bad-row = `{ $file }` line { $line }: { $message }
    .help = `pol run` would reject this household; fix the row to explain it

pol-explain-bad-field = `{ $file }` line { $line }: bad `{ $column }`: { $reason }
    .help = `pol run` would reject this household; fix the field to explain it

pol-run-read = cannot read `{ $path }`: { $message }
    .help = check that the path exists and is readable

pol-run-write = cannot write `{ $path }`: { $message }
    .help = check that the output directory is writable and the disk has room

pol-run-locked = another `pol run` is writing into `{ $dir }`
    .help = wait for the other run to finish, or give this run another output directory with `--out`

pol-run-output-target = `{ $path }` is a directory, where `pol run` writes a file
    .help = remove or rename the directory; the previous outputs were left as they were

pol-load-no-policy = no `.pol` file in `{ $dir }`
    .help = a policy directory holds `.pol` files (in any subdirectory), `jurisdictions.csv` and `params/*.toml`

pol-input-format = cannot tell the format of `{ $file }`
    .help = name input files `.csv`, `.jsonl`, `.ndjson` or `.parquet`

pol-input-empty = `{ $file }` has no header row
    .help = the first line of a CSV file names its columns: { $expected }

pol-input-missing-column = `{ $file }` has no column `{ $column }`
    .label = the policy declares `{ $column }` here
    .label-2 = no column `{ $column }` in this header
    .help = { $help }

pol-input-duplicate-column = `{ $file }` has two columns named `{ $column }`
    .label = `{ $column }` is named again here
    .label-2 = first named here
    .help = rename or remove one of the two `{ $column }` columns

pol-input-column-type = column `{ $column }` of `{ $file }` has type { $data_type }, which cannot be read exactly
    .help = store text, money and dates as strings, integers as integers, money as decimals with at most 2 decimals, dates as date32, booleans as booleans

pol-input-parquet = `{ $file }` is not a readable Parquet file: { $message }
    .help = check that the file is complete and was written as Parquet

pol-run-undeclared-entity = the policy declares no `{ $entity }` entity, but a { $entity } file was given
    .help = declare `{ $entity } {"{"} … {"}"}` in the policy, or leave the file out

pol-run-no-persons = no persons: `{ $file }` has no `persons` list column, and no persons file was given
    .help = give the persons file with `--persons FILE`, or a Parquet households file whose `persons` column lists each household's members (list<struct<…>>)

pol-run-schema = the `{ $entity }` entity declares no { $what } column
    .help = { $help }

pol-diff-keys = the base and reform policies name the { $entity } { $role } column differently: `{ $base }` and `{ $reform }`
    .help = `pol diff` reads each input row once for both sides, so both policies must declare the same { $role } column; rename `{ $base }` or `{ $reform }` so that they agree

pol-diff-no-table = the { $side } policy declares no `household_results` output for households
    .help = `pol diff` compares the `household_results` tables of the two sides; declare `output household_results for household` in the { $side } policy

pol-diff-columns = the base and reform policies declare different `{ $entity }` columns, which `{ $file }` cannot give both
    .help = with JSON lines or Parquet input both policies must declare the same `{ $entity }` columns in the same order; give the input as CSV, or declare the same columns

pol-report-rate-filter = the `where` of rate `{ $rate }` fails for county `{ $county }`: { $reason }
    .label = this fails for county `{ $county }`
    .help = a rate's `where` is evaluated once per county; write it so that every county's attributes give it a value

pol-input-record-too-long = `{ $file }` line { $line }: a record longer than { $limit }
    .label = no line end within { $limit } of this
    .help = a row of `{ $file }` ends at a line break and is at most { $limit } long; check that the file is text with line ends, not a binary file or a device

pol-input-unterminated-quote = `{ $file }` line { $line }: a quoted field is not closed
    .label = { $reason }
    .help = end the field with `"` (a `"` inside a quoted field is written `""`); a quoted field may span at most { $max_lines } lines

pol-run-not-rereadable = `{ $file }` cannot be read a second time, and this run needs to
    .label = not a regular file: { $kind }
    .help = { $reason } need a second pass over the inputs; write `{ $file }` to a regular file first (for example `cat … > { $file }`) and give that file

pol-run-threads = cannot run on { $requested } worker threads
    .label = { $why }
    .help = give `--threads` a number from 1 to { $max } (or leave it out to use every core)

pol-run-internal = internal error: { $message }; please report this

pol-gen-unsatisfiable = no generated household satisfies this `require`
    .label = failed on all { $tries } households drawn for household { $household }
    .help = `pol gen` draws every column uniformly within its declared type, range or enum and redraws a household that fails a `require`; give the columns this `require` reads declarations (an `int` range, an enum, a default) under which it holds more often, or write the data by hand

pol-gen-evaluation = every generated household fails to evaluate here: { $reason }
    .label = failed on all { $tries } households drawn for household { $household }
    .help = `pol run` would reject such households; guard the expression (e.g. `if n > 0 {"{"} … {"}"}`) or narrow the declarations of the columns it reads

pol-gen-unwritable-column = `pol gen` cannot write a value of column `{ $column }`
    .label = no value of this column can be written
    .help = { $why }

pol-gen-no-county = `jurisdictions.csv` lists no county for column `{ $column }`
    .label = every household needs a county
    .help = add the province's counties to `jurisdictions.csv`

pol-gen-bad-rate = the bad-row rate `{ $rate }` is not between 0 and 1
    .help = give `--bad-rate` a share such as `0.02` (2% of households)

pol-gen-no-bad-field = no household or person column can carry a malformed value
    .help = bad rows corrupt a typed (non-`text`) column; this policy's columns are all text: use `--bad-rate 0`

pol-gen-write = cannot write `{ $path }`: { $message }
    .help = check that the output directory is writable and the disk has room

pol-gen-internal = internal error: { $message }
    .help = this is a bug in pol; please report it with the policy

pol-explain-no-test = no test named `{ $name }`{ $more }

pol-test-failed = test `{ $test }` failed on the { $engine } engine: { $summary }
    .label = { $label }

pol-load-not-utf8 = `{ $file }` is not UTF-8
    .help = save `{ $file }` as UTF-8 text

pol-input-not-utf8 = `{ $file }` is not UTF-8: line { $line }, { $place }
    .help = convert `{ $file }` to UTF-8 (for example `iconv -f GBK -t UTF-8`)

pol-dated-not-in-force = `{ $name }` is not in force on { $dates }, but `{ $reader }` reads it
    .label = `{ $reader }` reads `{ $name }` here
    .label-2 = `{ $name }` is not in force from this date on
    .label-3 = the first version of `{ $name }` is in force from a later date
    .help = give `{ $name }` a version in force on these dates (`from DATE = …`), or change `{ $reader }` so that it does not read `{ $name }` on them (a rule may have versions by date too)

pol-dated-local-value-not-in-force = `{ $name }` is not in force on { $date }, so a local file may not give it a value then
    .label = this value is for a date on which `{ $name }` is not in force
    .help = remove this value, or move it under a date on which `{ $name }` is in force (see its `from DATE = …` versions)
    .related = `{ $name }` is not in force from this date on
    .related-2 = the first version of `{ $name }` is in force from a later date

pol-reform-outside = `{ $what }` belongs in a reform
    .label = not in a reform
    .help = start the reform's file with `reform of "PATH"`, the base policy's directory relative to the reform; in a policy, write the declaration itself

pol-reform-header-not-first = `reform of` must be the first item of its file
    .label = after other declarations
    .help = move `reform of "PATH"` to the top of the file

pol-reform-base-mismatch = this reform names two bases: `{ $first }` and `{ $second }`
    .label = another base
    .help = every file of a reform names the same base (`reform of "{ $first }"`), or none
    .related = the first file names the base `{ $first }` here

pol-reform-nested = the base policy is itself a reform
    .label = the base is a reform of another policy
    .help = a reform's base must be a policy: name that reform's own base in `reform of`, and copy the changes you keep from the other reform into this one

pol-reform-unknown-target = the base has no { $what } `{ $name }`
    .label = not declared in the base
    .help = { $help }

pol-reform-type-changed = `{ $name }` is `{ $base_ty }` in the base but `{ $new_ty }` in the reform
    .label = replaced as `{ $new_ty }`
    .help = keep the base's type `{ $base_ty }`, or add a declaration of another name
    .related = the base declares `{ $name }` as `{ $base_ty }` here

pol-reform-removed-but-read = `{ $name }` is removed, but `{ $reader }` reads it
    .label = removed here
    .help = write `remove { $entity } { $name } instead = VALUE` to say what its readers get, or replace `{ $reader }` too
    .related = `{ $reader }` reads `{ $name }` here

pol-reform-already-in-base = the base already declares the { $what } `{ $name }`
    .label = declared again in the reform
    .help = write `{ $fix }` to change the base's declaration, or choose another name for a new one
    .related = the base declares `{ $name }` here

pol-reform-changed-twice = the reform changes `{ $name }` twice
    .label = changed again here
    .help = keep one `replace` or `remove` of `{ $name }`
    .related = `{ $name }` is first changed here

pol-reform-output-changed = the reform changes the rows of output `{ $name }`
    .label = another `for` or a `where`
    .help = a reform adds columns to an output of the base: write `output { $name } for { $entity } {"{"} NEW_COLUMN {"}"}` without `where`; for other rows, declare a new output
    .related = the base declares output `{ $name }` here

pol-scenario-not-a-table = `{ $key }` must be a table of dates
    .label = not a jurisdiction's table
    .help = a scenario's tables are a jurisdiction and a day: write `[province."2019-01-01"]` or `["610700"."2019-01-01"]`, then `name = value` lines

pol-role-outside-household = roles are declared in the `household` block, not in `{ $entity }`
    .label = a role outside the household
    .help = move this `role` line into `household {"{"} … {"}"}`: the persons' `role` column then holds one of them

pol-role-column-declared = the person column `role` is declared by the household's roles
    .label = declared again here
    .label-2 = the household's roles
    .help = remove this column: with `role …` in the household, every person has a `role` column holding one of the roles

pol-role-limit-in-test = this test has { $count } members with role `{ $role }`, at most { $limit } allowed
    .label = one member too many
    .label-2 = the limit
    .help = give this person another role, or write `expect rejected` if the test checks the limit

pol-test-tolerance = a tolerance is a plain number
    .label = not a number
    .help = write how far the value may be off as a number without unit or sign, e.g. `± 0.01` or `tolerance 0.01`

pol-test-tolerance-type = `{ $name }` is `{ $ty }`, which has no tolerance
    .label = a tolerance for a value compared exactly
    .help = only money, ratios and whole numbers may be compared within a tolerance; remove `± …`

pol-test-default-member = this test has no `person`, and its default member has no `{ $column }`
    .label = a test without members
    .help = write the members, e.g. `person {"{"} { $column }: … {"}"}`, or give `{ $column }` a default in the `person` block

pol-period-unit = `{ $name }` is computed { $per }, but `{ $unit }` is money { $other }
    .label = money { $other }
    .help = write `{ $want }`, or `{ $other_decl }` after the type

pol-period-mismatch = `{ $reader }` is computed { $per } and cannot read `{ $name }`, computed { $other }, directly
    .label = computed { $other }
    .help = { $help }

pol-period-mismatch--2 = `{ $function }` cannot be used in a rule computed { $per }
    .label = only in a rule computed { $need }
    .help = { $help }

pol-period-not-periodic = `{ $function }` reads a value computed { $expect }, and `{ $name }` is { $found }
    .label = { $found }
    .help = { $help }

pol-test-period = `{ $name }` is computed per month and has no value for the year `{ $period }`
    .label = a year, where a month is needed
    .help = give a month, e.g. `{ $name } { $period }-01`

pol-test-period--2 = `{ $name }` does not vary by month and takes no period
    .label = a period on a constant column
    .help = remove the period, or declare the column `per month` so that it may hold a value per month

pol-input-period-column = `{ $file }` has a column `{ $column }` that is not a monthly column's period: { $reason }
    .label = `{ $column }` names no monthly column's period
    .help = { $help }
