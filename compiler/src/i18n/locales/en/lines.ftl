# Lines `pol` prints for a person, and the phrases computed diagnostics are made of.
# (`N passed, N failed` and `read N households: …` are read by tools and stay English.)

line-help = help: { $help }
line-errors-found-one = error: { $count } error found
line-errors-found = error: { $count } errors found
line-checked = checked { $dir }: { $pol } policy files, { $rules } rules, { $params } parameters, { $counties } counties, { $local } local parameter files, { $tests } tests: no errors

phrase-what-rule = rule
phrase-what-parameter = parameter
phrase-what-column = column
phrase-what-name = name
phrase-what-function = function
phrase-what-enum = enum
phrase-what-variant = variant
phrase-what-test = test
phrase-what-output-table = output table
phrase-what-output = output
phrase-what-report = report
phrase-what-rate = rate
phrase-declare-it = declare it, e.g. `{ $example }`
phrase-did-you-mean = did you mean `{ $name }`?
phrase-did-you-mean-2 = did you mean `{ $name }`
phrase-a-value-of = a value of `{ $type }`

# A local parameter file breaking a `require` (params/constraint.rs).
phrase-breaks-rule = breaks rule "{ $rule }": { $numbers }
phrase-breaks-a-rule-of = breaks a rule of `{ $param }`: { $numbers }
phrase-must-be-at-least = { $subject } must be at least { $bound } but is { $actual }
phrase-must-be-at-most = { $subject } must be at most { $bound } but is { $actual }
phrase-must-be-less-than = { $subject } must be less than { $bound } but is { $actual }
phrase-must-be-more-than = { $subject } must be more than { $bound } but is { $actual }
phrase-must-equal = { $subject } must be { $bound } but is { $actual }
phrase-must-not-be = { $subject } must not be { $bound } but is { $actual }
phrase-in-force-from-start = in force from the start
phrase-in-force-from = in force from { $date }
phrase-in-force-in-from = in force in `{ $code }` from { $date }
phrase-follows-from = `{ $param }` follows this value from { $date }
phrase-follows-in-from = `{ $param }` follows this value in `{ $code }` from { $date }
phrase-province-value-from = the province's value from { $date }
phrase-province-value-in-from = the province's value, in force in `{ $code }` from { $date }
phrase-rule-is = the rule is { $require } of `param { $param }`
phrase-set-then-rule-is = { $fix }; the rule is { $require } of `param { $param }`
phrase-set-at-least = set `{ $param }` to at least { $value }
phrase-set-at-most = set `{ $param }` to at most { $value }
phrase-set-less-than = set `{ $param }` to less than { $value }
phrase-set-more-than = set `{ $param }` to more than { $value }
phrase-set-to-anything-but = set `{ $param }` to anything but { $value }
phrase-set-to = set `{ $param }` to { $value }

# Checker phrases (check/*.rs).
phrase-verb-add = add
phrase-verb-subtract = subtract
phrase-verb-multiply = multiply
phrase-verb-divide = divide
phrase-verb-compare = compare
phrase-convert-with = convert with `{ $expr }`
phrase-write-amount-with-unit = write the amount with its unit, e.g. `{ $example }`
phrase-write-variant-with-enum = write the variant with its enum: { $spellings }

# Parser phrases (grammar/src/parse/expected.rs).
phrase-found-end-of-file = end of file
phrase-found-a-string = a string
phrase-an-expression = an expression
phrase-an-operator = an operator
phrase-a-name = a name
phrase-a-number = a number
phrase-dangling-end = write the value after `{ $operator }` on the same line, or remove the operator (the file ends after it)
phrase-dangling-next = write the value after `{ $operator }` on the same line, or remove the operator (the next line starting with `{ $word }` begins a new declaration)
phrase-declaration-not-complete = the declaration before this line is not complete: finish it before starting a new one
phrase-reserved-word-here = `{ $keyword }` is a reserved word and cannot appear here; see docs/language.md for where it belongs
phrase-block-not-closed = a `{"{"}` block is not closed: add `{"}"}` at its end
phrase-set-by = write who may set the value: `set by city`, `set by city, county` or `set by province` (the default)
phrase-match-arm = a `match` arm is written `PATTERN => VALUE`
phrase-close-paren = close the parenthesis with `)`, or separate arguments with `,`
phrase-join-values = two values must be joined by an operator such as `+` or `and`; a new entry starts on its own line or after a comma
phrase-declaration-starts = a declaration starts with `param`, `enum`, `jurisdictions`, `household`, `person`, `case`, `output`, `report` or `test`; entries inside `{"{"} {"}"}` are separated by newlines or commas
phrase-write-dates = write dates as `YYYY-MM-DD`, e.g. `2019-05-01`

# The words of report.md's table headers (runtime/src/report.rs).
line-report-county = county
line-report-city = city
line-report-province = province
line-report-name = name
line-report-households = households
line-report-persons = persons
line-report-monthly = (monthly)
line-report-annual = (annual)
line-report-rate = rate
line-report-flag = flag

# Computed helps of the checker and the parameter files.
phrase-did-you-mean-quoted = did you mean `"{ $name }"`?
phrase-convert-int-as-ratio = convert the `int` with `as ratio` first
phrase-add-arms = add arms for them, or end the match with `_ => …`
phrase-money-exact = money is exact to the fen (0.01 元)
phrase-money-amount = money amount
phrase-write-it-as = write it as `{ $a }` or `{ $b }`
phrase-write-either = write `{ $a }` or `{ $b }`
phrase-no-param-of-this-name = the policy declares no parameter of this name; check the spelling against its `param` declarations
phrase-set-by-province-only = remove it from this file: `{ $param }` is `set by province`, only the policy gives its value
phrase-as-of-too-early = use an as-of date on or after { $first }, or give `{ $param }` a value from an earlier date
phrase-first-declaration-elsewhere = the first declaration is in another file; rename one of them
phrase-write-digits-only = write digits only, e.g. `{ $example }`
phrase-write-amount-to-fen = write the amount to the fen, e.g. `{ $example }`
phrase-write-exact-number = write the exact number in decimal digits, e.g. `{ $example }`
phrase-write-real-day-as = write a real day as `{ $example }`
phrase-write-literal-value = write a literal value: a number, a date, a text or an enum variant
phrase-report-counts-households = a report counts households per county: summarise an `output … for household`
phrase-count-groups = `count` groups by categories; `sum`, `rate` and `budget` add up numbers or money
phrase-a-whole-number = a whole number
phrase-a-parameter = a parameter
phrase-a-rule = a rule
phrase-a-column = a column

# pol gen.
line-gen-wrote = wrote { $households } households, { $persons } persons to { $dir }
line-gen-wrote-with-cases = wrote { $households } households, { $persons } persons, { $cases } cases to { $dir }
line-gen-malformed = { $bad } households carry a malformed cell: `pol run` rejects them with { $persons } persons and { $cases } cases

# pol test and pol doc (the closing `N passed, N failed` line stays English: tools read it).
line-test-ok = test { $name } ... ok
line-test-failed = test { $name } ... FAILED
line-doc-wrote = wrote { $count } pages to { $dir }
phrase-test-mismatch = { $what } is { $actual }, expected { $expected }
phrase-test-expected-got = expected { $expected }, got { $actual }
phrase-test-rejected = the household was rejected: { $message }
phrase-test-fails-validation = this household fails a validation
phrase-test-add-expect-rejected = add `expect rejected` if the rejection is intended
phrase-test-evaluation-error = evaluation error in `{ $rule }`: { $kind }
phrase-test-evaluation-failed-here = evaluation failed here
phrase-test-add-expect-error = add `expect error` if the error is intended
phrase-test-not-rejected = expected a rejection, the household was { $actual }
phrase-test-expected-rejection = expected a rejection
phrase-test-no-error = expected an evaluation error, there was none
phrase-test-expected-error = expected an error
phrase-test-params-unresolved = its parameters could not be resolved
phrase-test-this-test = this test
phrase-test-person-value = person { $index } `{ $name }`
phrase-test-case-value = case { $index } `{ $name }`

# pol explain (runtime/src/commands/explain.rs); rule names, values and code stay as written.
line-explain-test = test `{ $name }`
line-explain-household-id = household `{ $id }`
line-explain-title = explain { $title } as of { $date }
line-explain-place = county { $county } (city { $city })
line-explain-parameters = parameters in force
line-explain-no-value = no value on this date
line-explain-unresolved = could not be resolved
line-explain-origin-local = { $location } (local file of { $jurisdiction }, from { $date })
line-explain-origin-province-always = { $location } (province, always)
line-explain-origin-province-from = { $location } (province, from { $date })
line-explain-household = household
line-explain-person = person { $number }
line-explain-case = case { $number }
line-explain-outcome = outcome: { $outcome }
line-explain-ok = ok
line-explain-a-validation-failed = a validation failed
line-explain-rejected = rejected ({ $message }; member { $member })
line-explain-evaluation-error = evaluation error { $kind } in `{ $rule }` at { $location }
