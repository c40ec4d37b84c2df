# 面向使用者输出的行，以及计算生成的诊断所用的短语。
# （`N passed, N failed` 和 `read N households: …` 供工具读取，保持英文。）

line-help = 建议：{ $help }
line-errors-found-one = 错误：发现 { $count } 个错误
line-errors-found = 错误：发现 { $count } 个错误
line-checked = 已检查 { $dir }：{ $pol } 个政策文件，{ $rules } 条规则，{ $params } 个参数，{ $counties } 个县区，{ $local } 个地方参数文件，{ $tests } 个测试：没有错误

phrase-what-rule = 规则
phrase-what-parameter = 参数
phrase-what-column = 列
phrase-what-name = 名称
phrase-what-function = 函数
phrase-what-enum = 枚举
phrase-what-variant = 枚举值
phrase-what-test = 测试
phrase-what-output-table = 输出表
phrase-what-output = 输出
phrase-what-report = 报表
phrase-what-rate = 比率
phrase-declare-it = 请先声明，例如 `{ $example }`
phrase-did-you-mean = 是否想写 `{ $name }`？
phrase-did-you-mean-2 = 是否想写 `{ $name }`
phrase-a-value-of = `{ $type }` 类型的值

# 地方参数文件违反 `require`（params/constraint.rs）。
phrase-breaks-rule = 违反规则“{ $rule }”：{ $numbers }
phrase-breaks-a-rule-of = 违反 `{ $param }` 的一条规则：{ $numbers }
phrase-must-be-at-least = { $subject } 应不低于 { $bound }，实际为 { $actual }
phrase-must-be-at-most = { $subject } 应不高于 { $bound }，实际为 { $actual }
phrase-must-be-less-than = { $subject } 应低于 { $bound }，实际为 { $actual }
phrase-must-be-more-than = { $subject } 应高于 { $bound }，实际为 { $actual }
phrase-must-equal = { $subject } 应等于 { $bound }，实际为 { $actual }
phrase-must-not-be = { $subject } 不应等于 { $bound }，实际为 { $actual }
phrase-in-force-from-start = 自始执行
phrase-in-force-from = 自 { $date } 起执行
phrase-in-force-in-from = 在 `{ $code }` 自 { $date } 起执行
phrase-follows-from = `{ $param }` 自 { $date } 起沿用此值
phrase-follows-in-from = `{ $param }` 在 `{ $code }` 自 { $date } 起沿用此值
phrase-province-value-from = 省级参数值，自 { $date } 起
phrase-province-value-in-from = 省级参数值，在 `{ $code }` 自 { $date } 起执行
phrase-rule-is = 所违反的是 `param { $param }` 的 { $require }
phrase-set-then-rule-is = { $fix }；所违反的是 `param { $param }` 的 { $require }
phrase-set-at-least = 请把 `{ $param }` 设为不低于 { $value }
phrase-set-at-most = 请把 `{ $param }` 设为不高于 { $value }
phrase-set-less-than = 请把 `{ $param }` 设为低于 { $value }
phrase-set-more-than = 请把 `{ $param }` 设为高于 { $value }
phrase-set-to-anything-but = 请把 `{ $param }` 设为 { $value } 以外的值
phrase-set-to = 请把 `{ $param }` 设为 { $value }

# 检查器短语（check/*.rs）。
phrase-verb-add = 相加
phrase-verb-subtract = 相减
phrase-verb-multiply = 相乘
phrase-verb-divide = 相除
phrase-verb-compare = 比较
phrase-convert-with = 请用 `{ $expr }` 转换
phrase-write-amount-with-unit = 请写出金额的单位，例如 `{ $example }`
phrase-write-variant-with-enum = 请连同枚举名写出枚举值：{ $spellings }

# 解析器短语（grammar/src/parse/expected.rs）。
phrase-found-end-of-file = 文件末尾
phrase-found-a-string = 字符串
phrase-an-expression = 表达式
phrase-an-operator = 运算符
phrase-a-name = 名称
phrase-a-number = 数字
phrase-dangling-end = 请在 `{ $operator }` 后的同一行写出值，或删除这个运算符（文件在它之后就结束了）
phrase-dangling-next = 请在 `{ $operator }` 后的同一行写出值，或删除这个运算符（下一行以 `{ $word }` 开头，是一条新的声明）
phrase-declaration-not-complete = 这一行之前的声明没有写完：请先写完它，再开始新的声明
phrase-reserved-word-here = `{ $keyword }` 是保留字，不能出现在这里；它的用法见 docs/language.md
phrase-block-not-closed = 有一个 `{"{"}` 块没有闭合：请在其末尾加上 `{"}"}`
phrase-set-by = 请写明由谁设定该值：`set by city`、`set by city, county` 或 `set by province`（默认）
phrase-match-arm = `match` 的分支写作 `PATTERN => VALUE`
phrase-close-paren = 请用 `)` 闭合括号，或用 `,` 分隔参数
phrase-join-values = 两个值之间要用运算符连接，例如 `+` 或 `and`；新的条目另起一行或写在逗号之后
phrase-declaration-starts = 声明以 `param`、`enum`、`jurisdictions`、`household`、`person`、`case`、`output`、`report` 或 `test` 开头；`{"{"} {"}"}` 内的条目用换行或逗号分隔
phrase-write-dates = 日期请写作 `YYYY-MM-DD`，例如 `2019-05-01`

# report.md 表头用词（runtime/src/report.rs）。
line-report-county = 县区
line-report-city = 市
line-report-province = 省
line-report-name = 名称
line-report-households = 户数
line-report-persons = 人数
line-report-monthly = （月）
line-report-annual = （年）
line-report-rate = 比率
line-report-flag = 标记

# 检查器和参数文件计算生成的帮助。
phrase-did-you-mean-quoted = 是否想写 `"{ $name }"`？
phrase-convert-int-as-ratio = 请先用 `as ratio` 转换这个 `int`
phrase-add-arms = 请为它们添加分支，或以 `_ => …` 结束这个 match
phrase-money-exact = 金额精确到分（0.01 元）
phrase-money-amount = 金额
phrase-write-it-as = 请写作 `{ $a }` 或 `{ $b }`
phrase-write-either = 请写 `{ $a }` 或 `{ $b }`
phrase-no-param-of-this-name = 政策中没有这个名称的参数；请对照 `param` 声明检查拼写
phrase-set-by-province-only = 请从本文件中删除它：`{ $param }` 是 `set by province`，只由政策给出取值
phrase-as-of-too-early = 请使用 { $first } 当天或之后的计算日期，或为 `{ $param }` 设定一个更早日期起的值
phrase-first-declaration-elsewhere = 第一次声明在另一个文件中；请给其中一个改名
phrase-write-digits-only = 请只写数字，例如 `{ $example }`
phrase-write-amount-to-fen = 金额请写到分，例如 `{ $example }`
phrase-write-exact-number = 请用十进制数字写出精确的数，例如 `{ $example }`
phrase-write-real-day-as = 请写一个真实存在的日期，例如 `{ $example }`
phrase-write-literal-value = 请写一个字面值：数字、日期、文本或枚举值
phrase-report-counts-households = 报表按县区统计户数：请汇总一个 `output … for household`
phrase-count-groups = `count` 按类别分组计数；`sum`、`rate` 和 `budget` 对数字或金额求和
phrase-a-whole-number = 整数
phrase-a-parameter = 参数
phrase-a-rule = 规则
phrase-a-column = 列

# pol gen。
line-gen-wrote = 已写出 { $households } 户、{ $persons } 人到 { $dir }
line-gen-wrote-with-cases = 已写出 { $households } 户、{ $persons } 人、{ $cases } 个临时救助个案到 { $dir }
line-gen-malformed = { $bad } 户含有一个格式错误的单元格：`pol run` 会拒收这些家庭及其 { $persons } 名成员和 { $cases } 个个案

# pol test 与 pol doc（最后一行 `N passed, N failed` 供工具读取，保持英文）。
line-test-ok = 测试 `{ $name }` ... 通过
line-test-failed = 测试 `{ $name }` ... 失败
line-doc-wrote = 已写出 { $count } 个页面到 { $dir }
phrase-test-mismatch = { $what } 为 { $actual }，预期为 { $expected }
phrase-test-expected-got = 预期为 { $expected }，实际为 { $actual }
phrase-test-rejected = 这个家庭被拒收：{ $message }
phrase-test-fails-validation = 这个家庭未通过一项校验
phrase-test-add-expect-rejected = 如果拒收是预期的，请加上 `expect rejected`
phrase-test-evaluation-error = `{ $rule }` 计算出错：{ $kind }
phrase-test-evaluation-failed-here = 在此处计算失败
phrase-test-add-expect-error = 如果出错是预期的，请加上 `expect error`
phrase-test-not-rejected = 预期拒收，但这个家庭的结果是 { $actual }
phrase-test-expected-rejection = 预期拒收
phrase-test-no-error = 预期出现计算错误，但没有出错
phrase-test-expected-error = 预期出错
phrase-test-params-unresolved = 无法确定它的参数
phrase-test-this-test = 这个测试
phrase-test-person-value = 第 { $index } 名成员的 `{ $name }`
phrase-test-case-value = 第 { $index } 个个案的 `{ $name }`

# pol explain（runtime/src/commands/explain.rs）；规则名、取值和代码保持原样。
line-explain-test = 测试 `{ $name }`
line-explain-household-id = 家庭 `{ $id }`
line-explain-title = 解释{ $title }，计算日期 { $date }
line-explain-place = 县区 `{ $county }`（市 `{ $city }`）
line-explain-parameters = 现行参数
line-explain-no-value = 该日期没有取值
line-explain-unresolved = 无法确定取值
line-explain-origin-local = { $location }（`{ $jurisdiction }` 的地方参数文件，自 { $date } 起）
line-explain-origin-province-always = { $location }（省级，始终执行）
line-explain-origin-province-from = { $location }（省级，自 { $date } 起）
line-explain-household = 家庭
line-explain-person = 第 { $number } 名成员
line-explain-case = 第 { $number } 个个案
line-explain-outcome = 结果：{ $outcome }
line-explain-ok = 正常
line-explain-a-validation-failed = 一项校验未通过
line-explain-rejected = 拒收（{ $message }；第 { $member } 名成员）
line-explain-evaluation-error = `{ $rule }` 计算出错 { $kind }，位置 { $location }
