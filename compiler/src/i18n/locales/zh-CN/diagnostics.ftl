# 每条诊断的中文文本，以诊断代码为键（`pol::a::b` → `pol-a-b`），与英文目录一一对应。
# 政策中引用的名称、代码和数值放在反引号中，其余为中文。

pol-parse-unexpected = 此处应为 { $expected }，实际是 { $found }
    .label = 此处不应出现
    .help = { $help }

pol-parse-dangling-operator = `{ $operator }` 后面缺少内容
    .label = 这个 `{ $operator }` 后面需要一个值
    .help = { $help }

pol-parse-unterminated-string = 字符串没有结束
    .label = 这个字符串缺少结尾的 `"`
    .help = 请在同一行用 `"` 结束字符串；字符串中的换行写作 `\n`

pol-parse-bad-escape = 字符串中有未知的转义 `{ $escape }`
    .label = 未知的转义
    .help = 可用的转义有 `\"`、`\\`、`\n`、`\t`、`\r` 和 `\u{"{"}4E00{"}"}`；反斜杠本身写作 `\\`

pol-parse-bad-date = `{ $text }` 不是有效的日期
    .label = { $reason }
    .help = 请按 `YYYY-MM-DD` 写一个真实存在的日期，例如 `2019-05-01`

pol-parse-bad-number = 无效的数字 `{ $text }`
    .label = { $reason }
    .help = { $help }

pol-parse-keyword-as-name = `{ $keyword }` 是关键字，不能用作名称
    .label = 此处应为名称
    .help = 请换一个名称，例如 `{ $keyword }_value`；保留字见 `docs/language.md`

pol-parse-nesting-too-deep = 表达式嵌套过深
    .label = 此处嵌套超过 64 层
    .help = 请拆分表达式：把其中的部分写成单独的规则，再按名称引用

pol-parse-too-complex = 文件的这一部分过于复杂，无法解析
    .label = 解析器在此处放弃
    .help = 请简化：把长表达式拆成几条规则，并检查括号是否配对

pol-parse-unknown-unit = 未知的单位 `{ $unit }`
    .label = 不是单位
    .help = { $help }

pol-parse-empty-enum = 枚举 `{ $name }` 没有枚举值
    .label = 没有枚举值
    .help = 请在花括号内列出枚举值，例如 `enum { $name } {"{"} yes, no {"}"}`

pol-parse-aggregate = { $message }
    .label = 此处
    .help = { $help }

pol-parse-duplicate = `{ $what }` 给出了两次
    .label = 此处再次给出
    .label-2 = 第一次在此给出
    .help = 只保留一个 `{ $what }`

pol-parse-internal = 解析器内部错误：{ $detail }
    .label = 解析此处时出错
    .help = 这是 pol 的缺陷，不是政策文件的问题；请连同引发错误的文件一起报告

pol-jurisdictions-undeclared = 提供了 jurisdictions.csv，但政策没有声明 `jurisdictions` 块
    .label = 这些列没有声明
    .help = 请在 `.pol` 文件中声明它的列：`jurisdictions {"{"} county_code: key, city_code: city, … {"}"}`

pol-jurisdictions-empty = jurisdictions.csv 是空文件
    .label = 没有表头行
    .help = 第一行写列名，之后每行一个县区

pol-jurisdictions-missing-column = jurisdictions.csv 缺少列 `{ $column }`
    .label = 表头中缺少 `{ $column }`
    .help = 请添加该列，或从 `jurisdictions` 块中删除它

pol-jurisdictions-extra-column = jurisdictions.csv 有未声明的列 `{ $column }`
    .label = 不在 `jurisdictions` 块中
    .help = 请在 `jurisdictions` 块中声明它，或从文件中删除该列

pol-jurisdictions-duplicate-column = jurisdictions.csv 中列 `{ $column }` 出现了两次
    .label = 此处再次出现
    .label-2 = 第一次在此出现
    .help = 请删除其中一个

pol-jurisdictions-field-count = 第 { $line } 行有 { $found } 个字段，表头有 { $expected } 个
    .label = { $found } 个字段
    .help = 每行的字段数与表头的列数相同，用逗号分隔

pol-jurisdictions-bad-value = `{ $value }` 不是有效的 `{ $column }`
    .label = 此处应为 { $expected }

pol-jurisdictions-duplicate-code = 县区 `{ $code }` 列出了两次
    .label = 此处再次列出
    .label-2 = 第一次列于第 { $first_line } 行
    .help = 每个县区只占一行；请删除其中一行

pol-jurisdictions-quote = 第 { $line } 行的字段引号有误
    .label = 在下一个逗号或行尾之前引号没有闭合
    .help = 带引号的字段在下一个逗号前以 `"` 结束；字段内的引号写作 `""`

pol-params-syntax = TOML 格式错误：{ $message }
    .label = 此处
    .help = 参数文件先写 `jurisdiction = "CODE"`，再写以日期为表头（如 `[2019-01-01]`）的若干 `name = value` 行

pol-params-missing-jurisdiction = 参数文件没有 `jurisdiction`
    .label = 文件中没有 `jurisdiction = "…"`
    .help = 请在第一个日期表之前加上 `jurisdiction = "610800"`（市代码，或自行制定参数的县区代码）

pol-params-unknown-jurisdiction = { $message }
    .label = 不是市或县区代码

pol-params-duplicate-jurisdiction = `{ $code }` 有第二个参数文件
    .label = 另一个文件已经设定了 `{ $code }` 的参数值
    .help = 每个市或县区只发布一个参数文件；请把参数值合并到一个按日期分表的文件中
    .related = `{ $code }` 的第一个文件

pol-params-county-not-own = 县区 `{ $code }` 不自行制定参数
    .label = 该县区执行所在市的参数值
    .help = jurisdictions.csv 中 `{ $code }` 的 `{ $attr }` 为 false，因此执行所在市的参数值；请把这些参数值写入市的文件，或把 `{ $code }` 的 `{ $attr }` 改为 true
    .related = `{ $code }` 的 `{ $attr }` 在这里为 false

pol-params-undated-value = `{ $name }` 没有日期
    .label = 不在日期表头之下
    .help = 请把它放在注明生效日期的表头之下，例如 `[2019-01-01]`

pol-params-bad-date = `{ $header }` 不是日期
    .label = { $label }

pol-params-unknown-param = 未知的参数 `{ $name }`
    .label = 政策中没有这个参数

pol-params-not-settable = { $message }
    .label = { $label }

pol-params-wrong-unit = `{ $name }` 应为 { $expected }，而不是 { $found }
    .label = { $found }

pol-params-precision = { $message }
    .label = { $label }

pol-params-bad-value = `{ $name }` 必须是 { $expected }
    .label = { $label }

pol-params-duplicate-value = `{ $name }` 在 { $date } 设定了两次
    .label = 此处再次设定
    .label-2 = 第一次在此设定
    .help = 两个值只保留一个

pol-params-constraint = { $message }
    .label = { $label }
    .related = 所违反的规则在这里声明

pol-params-eval = 无法计算 `{ $name }`{ $place }：{ $reason }
    .label = { $reason }

pol-params-cycle = `{ $name }` 的值依赖于它自己
    .label = 计算 `{ $name }` 时在此处又用到了它
    .help = 参数的值可以引用其他参数，但不能经由它们引用自己

pol-params-unknown-place = 未知的行政区划 `{ $code }`
    .help = 请使用 jurisdictions.csv 中的县区代码或市代码

pol-params-internal = 内部错误：{ $message }；请报告此问题
    .label = 此处

pol-jit-internal = 内部错误：编译引擎无法翻译 { $what }；请报告此问题
    .label = 此处无法编译
    .help = 请改用解释器计算（`--engine interp`），并连同政策一起报告此问题

pol-jit-codegen = 内部错误：生成机器码失败（{ $arg0 }）；请报告此问题
    .help = 请改用解释器计算（`--engine interp`），并连同政策一起报告此问题

pol-name-unknown = 未知的{ $what } `{ $name }`
    .label = 此处应为 { $expected }

pol-name-duplicate = `{ $name }` 声明了两次
    .label = 此{ $what }在此处再次声明
    .label-2 = 第一次在此声明

pol-name-reserved-output = 输出 `{ $name }` 会覆盖 { $file }
    .label = 这个名称保留给 { $file }
    .help = `pol run` 自己写入 { $file }；请给输出改名（保留的名称：{ $reserved }）

pol-schema-no-jurisdictions = { $what } 需要行政区划，而本政策没有声明行政区划
    .label = 这里省是唯一的层级
    .help = 没有 `jurisdictions` 块时，省是唯一的层级：请删除 { $what }，或在 `jurisdictions` 和 `jurisdictions.csv` 中声明各县

pol-scale-as-value = `{ $name }` 是一个分档表，不是一个值
    .label = 这里需要一个值，却是分档表
    .help = 请把它用于一个值：`marginal({ $name }, x)` 把每一档的费率 × x 落在该档的部分相加；`bracket({ $name }, x)` 是 x 所在档的费率或金额

pol-scale-not-a-scale = `{ $function }` 作用于分档表，而 `{ $found }` 不是分档表
    .label = 不是分档表
    .help = 请写一个声明为 `scale(门槛类型, 值类型)` 的参数，例如 `{ $function }(income_tax, income)`

pol-scale-marginal = `marginal` 需要以金额为门槛的费率分档表，或金额分档表；`{ $name }` 是 `scale({ $thresholds }, { $values })`
    .label = 费率分档表的门槛不是金额
    .help = `marginal` 把每一档的费率 × 金额落在该档的部分相加（以金额为门槛的费率分档表），或把门槛低于该值的各档金额相加（金额分档表）；要取一个值所在档的费率，请写 `bracket({ $name }, x)`

pol-scale-type = 分档表的{ $part }不能是 `{ $ty }` 类型
    .label = 分档表中不允许
    .help = 门槛是金额（`元/年` 等）或 `int`；值是费率（`ratio`）、金额或 `int`：例如 `scale(元/年, ratio)`、`scale(int, 元/月)`

pol-scale-misplaced = 只有参数可以是分档表
    .label = 这里是分档表
    .help = 请把各档声明为 `param 名称: scale(门槛类型, 值类型) {"{"} = [门槛: 值, …] {"}"}`，再用 `marginal` 或 `bracket` 使用它

pol-scale-value = 分档表的值是各档组成的列表
    .label = 不是各档组成的列表
    .help = 请在方括号中写出各档，每档一个门槛及其费率或金额：`[0: 3%, 12000: 10%]`

pol-scale-empty = 分档表至少需要一档
    .label = 没有任何一档
    .help = 请至少写一档，即一个门槛及其费率或金额：`[0: 3%]`；不再适用的分档表写作 `= none`

pol-scale-thresholds = 分档表的门槛必须递增：`{ $threshold }` 排在 `{ $previous }` 之后
    .label = 没有高于前一个门槛
    .label-2 = 前一个门槛
    .help = 请从最低门槛到最高门槛列出各档，每个门槛都高于前一个

pol-scale-mixed = `{ $expected }` 的分档表不能包含 `{ $found }`：各档要么都是费率，要么都是金额
    .label = 是 `{ $found }`，不是 `{ $expected }`
    .help = 分档表的每一档都是其声明类型的值：`ratio` 分档表中是费率（`15%`），金额分档表中是金额（`500 元/月`）

pol-unit-currency = `{ $unit }` 不是本政策的货币 `{ $currency }`
    .label = 另一种货币

pol-unit-currency-twice = 本政策两次声明货币：先是 `{ $first_currency }`，又是 `{ $currency }`
    .label = 在此再次声明
    .label-2 = 第一次在此声明
    .help = 一个政策只有一种货币：只保留一行 `currency`

pol-unit-precision = `precision { $written }` 不是金额可以采用的计算精度
    .label = 不在 0.01 … 0.000001 之中
    .help = 请写 `0.01`（到分，与不写 `precision` 相同）、`0.001`、`0.0001`、`0.00001` 或 `0.000001` 之一：金额按 `{ $currency }` 的这一精度计算，写出时到分

pol-name-no-enum-context = 无法判断 `{ $name }` 属于哪个枚举
    .label = 此处不需要枚举类型

pol-name-members = `members` 只能在聚合中使用
    .label = 不在 `count`、`sum`、`any`、`all`、`max`、`min` 或 `first` 之内
    .help = 请对家庭成员做聚合，例如 `count(members where …)` 或 `sum(members, …)`

pol-scope-not-allowed = { $what } 不能用在 { $place }
    .label = 此处不允许

pol-type-mismatch = 此处应为 { $expected }，实际是 `{ $found }`
    .label = 这是 `{ $found }`
    .label-2 = 因为这里而要求该类型

pol-unit-mismatch = 此处应为 `{ $expected }`，实际是 `{ $found }`
    .label = 这是 `{ $found }`
    .label-2 = 这是 `{ $expected }`

pol-unit-mismatch--2 = 不能把 `{ $left }` 和 `{ $right }` { $verb }
    .label = 这是 `{ $right }`
    .label-2 = 这是 `{ $left }`

pol-type-operator = 不能对 `{ $left }` 和 `{ $right }` 使用 `{ $op }`
    .label = 这是 `{ $right }`
    .label-2 = 这是 `{ $left }`

pol-type-operator--2 = 不能对 `{ $ty }` 使用 `{ $op }`
    .label = 这是 `{ $ty }`

pol-type-conversion = 不能把 `{ $from }` 转换为 `{ $to }`
    .label = 没有从 `{ $from }` 到 `{ $to }` 的转换

pol-literal-precision = { $kind }最多有 { $max } 位小数
    .label = { $found } 位小数

pol-literal-overflow = 数字超出 `{ $ty }` 的范围
    .label = 放不下
    .help = 数值以其单位的最小步长计（分；比率为 10⁻⁹），必须在 ±9,223,372,036,854,775,807 之内

pol-literal-not-constant = { $place } 必须是字面值
    .label = 不是字面值
    .help = 请写一个数字、`true`/`false`、日期、文本或枚举值

pol-literal-empty-range = 空范围 `{ $low }..{ $high }`
    .label = 不匹配任何值
    .help = 请先写较小的边界：范围包含两端

pol-match-non-exhaustive = `match` 没有覆盖 { $missing }
    .label = 它的某些取值没有对应的分支

pol-match-unreachable = 这个分支永远不会用到
    .label = 已被上面的分支覆盖
    .help = 前面的分支已匹配这个模式的所有取值；请删除该分支或把它上移

pol-call-arity = `{ $name }` 接受 { $expected }
    .label = 实际是 { $found }

pol-rule-cycle = 规则 `{ $name }` 依赖于它自己：{ $cycle }
    .label = 这条规则
    .help = 规则不能直接或经由其他规则使用自己的值；请打破循环

pol-param-cycle = 参数 `{ $name }` 依赖于它自己：{ $cycle }
    .label = 这个参数
    .help = 参数的值不能直接或经由其他参数取决于它自己

pol-expr-too-deep = 表达式嵌套过深
    .label = 嵌套超过 { $limit } 层
    .help = 请把它拆成几条规则

pol-schema-column = `{ $block }` 中的列不能是 `{ $ty }` 类型
    .label = 此处不允许

pol-schema-default = 列 `{ $name }` 不能有默认值
    .label = `key` 或 `household` 列不能有默认值
    .help = 测试会自动生成键和指向家庭的关联；请删除默认值

pol-schema-key = `jurisdictions` 块没有 `key` 列
    .label = 需要一个 `key` 列
    .help = 请用 `: key` 标出存放县区代码的列，例如 `county_code: key`

pol-report-invalid = { $message }
    .label = { $label }

pol-program-unknown-rule = 救助项目 `{ $id }` 所加的 `{ $rule }` 不是家庭规则
    .label = 不是家庭规则
    .help = 救助项目的月发放额是若干 `元/月` 类型家庭规则之和，例如 `household dibao_monthly: 元/月 = …`

pol-program-not-monthly = 救助项目 `{ $id }` 所加的 `{ $rule }` 类型为 `{ $ty }`，不是 `元/月`
    .label = 不是按月计的金额
    .help = 救助项目的金额按月计：请加 `元/月` 类型的规则，或用 `as 元/月` 给该规则这一类型

pol-program-duplicate = 救助项目 `{ $id }` 声明了两次
    .label = 在此再次声明
    .label-2 = 第一次在此声明
    .help = 每个救助项目须有自己的标识：花名册按标识指明项目

pol-program-visit = 走访名单 `{ $rule }` 不是家庭的 `bool` 规则
    .label = 不是家庭的 `bool` 规则
    .help = 请指明对列入走访名单的家庭为真的家庭规则，例如 `visit = visit_required`

pol-program-visit-twice = 走访名单声明了两次
    .label = 在此再次声明
    .label-2 = 第一次在此声明
    .help = 一个政策只有一份走访名单；只保留一处 `visit = …`

pol-reconcile-no-programs = `{ $policy }` 中的政策没有声明可比对的救助项目
    .label = 本政策没有声明 `program`：请添加，例如写在这个文件中
    .help = 请声明花名册发放的每个救助项目及其月发放额所加的家庭规则，例如 `program dibao "最低生活保障" = dibao_monthly`

pol-reconcile-overflow = 家庭 `{ $household }` 的救助项目 `{ $program }` 各项金额之和超出可表示的最大金额
    .help = 请检查该家庭的输入数据：同一救助项目的规则之和超过了 92 万亿元

pol-test-missing-column = `{ $entity }` 记录没有 `{ $column }` 的值
    .label = 缺少 `{ $column }`，且它没有默认值

pol-test-unknown-county = 未知的县区代码 `{ $code }`
    .label = 不是 jurisdictions.csv 中的县区

pol-test-no-record = 测试中没有第 { $index } 条 `{ $entity }` 记录
    .label = 共有 { $count } 条 `{ $entity }` 记录
    .help = `person N` 和 `case N` 按记录书写的顺序从 1 开始编号

pol-test-generated-field = `{ $column }` 由测试自动填写
    .label = 请删除这个字段
    .help = 请省略它：测试会把成员和个案关联到本测试的家庭

pol-test-household = 一个测试只能有一个家庭
    .label = 第二个家庭
    .label-2 = 第一个家庭
    .help = 每个家庭写一个测试

pol-test-out-of-range = `{ $value }` 超出了 `{ $column }` 的范围
    .label = `{ $column }` 应在 { $low } 与 { $high } 之间

pol-internal = 检查器内部错误：{ $message }；请报告此问题
    .label = 检查此处时出错

pol-explain-not-found = `{ $file }` 中没有家庭 `{ $id }`
    .help = 请核对编号；编号按原样精确比较，不去除空格

pol-explain-bad-row = `{ $file }` 第 { $line } 行：{ $message }
    .help = `pol run` 会拒收这个家庭；请修正这一行后再解释

pol-explain-bad-field = `{ $file }` 第 { $line } 行：`{ $column }` 有误：{ $reason }
    .help = `pol run` 会拒收这个家庭；请修正这个字段后再解释

pol-run-read = 无法读取 `{ $path }`：{ $message }
    .help = 请检查路径是否存在且可读

pol-run-write = 无法写入 `{ $path }`：{ $message }
    .help = 请检查输出目录是否可写、磁盘是否有空间

pol-run-locked = 另一个 `pol run` 正在写入 `{ $dir }`
    .help = 请等待另一次运行结束，或用 `--out` 为本次运行指定另一个输出目录

pol-run-output-target = `{ $path }` 是一个目录，而 `pol run` 要在此处写入文件
    .help = 请删除或重命名该目录；之前的输出保持原样

pol-load-no-policy = `{ $dir }` 中没有 `.pol` 文件
    .help = 政策目录包含 `.pol` 文件（可在任意子目录中）、`jurisdictions.csv` 和 `params/*.toml`

pol-input-format = 无法判断 `{ $file }` 的格式
    .help = 输入文件请以 `.csv`、`.jsonl`、`.ndjson` 或 `.parquet` 结尾命名

pol-input-empty = `{ $file }` 没有表头行
    .help = CSV 文件的第一行写列名：`{ $expected }`

pol-input-missing-column = `{ $file }` 缺少列 `{ $column }`
    .label = 政策在此处声明了 `{ $column }`
    .label-2 = 表头中没有 `{ $column }` 列
    .help = { $help }

pol-input-duplicate-column = `{ $file }` 有两列都叫 `{ $column }`
    .label = `{ $column }` 在这里再次出现
    .label-2 = 第一次出现在这里
    .help = 请重命名或删除两列 `{ $column }` 中的一列

pol-input-column-type = `{ $file }` 的列 `{ $column }` 的类型是 `{ $data_type }`，无法精确读取
    .help = 文本、金额和日期请存为字符串，整数存为整数，金额也可存为最多 2 位小数的 `decimal`，日期可存为 `date32`，布尔值存为 `boolean`

pol-input-parquet = `{ $file }` 不是可读取的 Parquet 文件：{ $message }
    .help = 请检查文件是否完整、是否按 Parquet 格式写出

pol-run-undeclared-entity = 政策没有声明 `{ $entity }` 实体，却提供了 `{ $entity }` 文件
    .help = 请在政策中声明 `{ $entity } {"{"} … {"}"}`，或不提供该文件

pol-run-no-persons = 没有人员数据：`{ $file }` 没有 `persons` 列表列，也没有提供人员文件
    .help = 请用 `--persons 文件` 提供人员文件，或提供一个 Parquet 家庭文件，其 `persons` 列列出每户的成员（list<struct<…>>）

pol-run-schema = `{ $entity }` 实体没有声明 { $what } 列
    .help = { $help }

pol-diff-keys = 基准政策与改革政策的 `{ $entity }` `{ $role }` 列名不同：`{ $base }` 与 `{ $reform }`
    .help = `pol diff` 对两方只读一遍输入行，两个政策须声明相同的 `{ $role }` 列；请重命名 `{ $base }` 或 `{ $reform }` 使其一致

pol-diff-no-table = `{ $side }` 政策没有声明家庭的 `household_results` 输出表
    .help = `pol diff` 比较两方的 `household_results` 表；请在 `{ $side }` 政策中声明 `output household_results for household`

pol-diff-columns = 基准政策与改革政策声明的 `{ $entity }` 列不同，`{ $file }` 无法同时提供给两方
    .help = 输入为 JSON 行或 `Parquet` 时，两个政策须按相同顺序声明相同的 `{ $entity }` 列；请改用 CSV 输入，或声明相同的列

pol-report-rate-filter = 比率 `{ $rate }` 的 `where` 对县区 `{ $county }` 计算失败：{ $reason }
    .label = 对县区 `{ $county }` 计算失败
    .help = 比率的 `where` 对每个县区计算一次；请确保每个县区的属性都能使它得出一个值

pol-input-record-too-long = `{ $file }` 第 { $line } 行：记录长度超过 { $limit }
    .label = 从这里起 { $limit } 之内没有行尾
    .help = `{ $file }` 的每一行以换行结束，且最长 { $limit }；请检查文件是带换行的文本，而不是二进制文件或设备

pol-input-unterminated-quote = `{ $file }` 第 { $line } 行：带引号的字段没有闭合
    .label = { $reason }
    .help = 请用 `"` 结束该字段（字段内的 `"` 写作 `""`）；一个带引号的字段最多跨 { $max_lines } 行

pol-run-not-rereadable = `{ $file }` 无法读取第二次，而本次运行需要再读一遍
    .label = 不是普通文件：{ $kind }
    .help = { $reason } 需要再读一遍输入；请先把 `{ $file }` 写到普通文件中（例如 `cat … > { $file }`），再给出那个文件

pol-run-threads = 无法用 { $requested } 个工作线程运行
    .label = { $why }
    .help = 请给 `--threads` 一个 1 到 { $max } 之间的数（或省略它以使用全部核心）

pol-run-internal = 内部错误：{ $message }；请报告此问题

pol-gen-unsatisfiable = 生成的家庭都不满足这条 `require`
    .label = 为第 { $household } 户抽取的 { $tries } 个家庭全部不满足
    .help = `pol gen` 在每列声明的类型、范围或枚举内均匀抽取，并重新抽取不满足 `require` 的家庭；请为这条 `require` 读取的列给出更容易满足它的声明（`int` 范围、枚举、默认值），或手工编写数据

pol-gen-evaluation = 生成的家庭在此处全部计算失败：{ $reason }
    .label = 为第 { $household } 户抽取的 { $tries } 个家庭全部不满足
    .help = `pol run` 会拒收这样的家庭；请为表达式加上保护（例如 `if n > 0 {"{"} … {"}"}`），或收窄它读取的列的声明

pol-gen-unwritable-column = `pol gen` 无法写出列 `{ $column }` 的值
    .label = 这一列的任何值都无法写出
    .help = { $why }

pol-gen-no-county = `jurisdictions.csv` 没有为列 `{ $column }` 列出任何县区
    .label = 每个家庭都需要一个县区
    .help = 请把全省的县区加入 `jurisdictions.csv`

pol-gen-bad-rate = 错误行比例 `{ $rate }` 不在 0 与 1 之间
    .help = 请给 `--bad-rate` 一个比例，例如 `0.02`（2% 的家庭）

pol-gen-no-bad-field = 没有可以放入错误值的家庭列或成员列
    .help = 错误行会破坏一个有类型的（非 `text`）列；这个政策的列都是文本：请使用 `--bad-rate 0`

pol-gen-write = 无法写入 `{ $path }`：{ $message }
    .help = 请检查输出目录是否可写、磁盘是否有空间

pol-gen-internal = 内部错误：{ $message }
    .help = 这是 pol 的缺陷；请连同政策一起报告

pol-explain-no-test = 没有名为 `{ $name }` 的测试{ $more }

pol-test-failed = 测试 `{ $test }` 在 { $engine } 引擎上失败：{ $summary }
    .label = { $label }

pol-load-not-utf8 = `{ $file }` 不是 UTF-8 编码
    .help = 请把 `{ $file }` 另存为 UTF-8 文本

pol-input-not-utf8 = `{ $file }` 不是 UTF-8 编码：第 { $line } 行，{ $place }
    .help = 请把 `{ $file }` 转换为 UTF-8（例如 `iconv -f GBK -t UTF-8`）

pol-dated-not-in-force = `{ $name }` 在 { $dates } 不生效，但 `{ $reader }` 读取了它
    .label = `{ $reader }` 在此读取 `{ $name }`
    .label-2 = `{ $name }` 自此日期起不再生效
    .label-3 = `{ $name }` 最早的版本从更晚的日期起生效
    .help = 请给 `{ $name }` 一个在这些日期生效的版本（`from DATE = …`），或修改 `{ $reader }`，使它在这些日期不读取 `{ $name }`（规则也可以按日期分版本）

pol-dated-local-value-not-in-force = `{ $name }` 在 { $date } 不生效，本地参数文件不得在该日期给它赋值
    .label = 此值所在的日期 `{ $name }` 不生效
    .help = 请删除此值，或把它移到 `{ $name }` 生效的日期下（见它的 `from DATE = …` 版本）
    .related = `{ $name }` 自此日期起不再生效
    .related-2 = `{ $name }` 最早的版本从更晚的日期起生效

pol-reform-outside = `{ $what }` 只能写在改革方案中
    .label = 不在改革方案中
    .help = 改革方案的文件以 `reform of "PATH"` 开头，引号中为基准政策目录相对于改革方案的路径;在政策中请直接写声明本身

pol-reform-header-not-first = `reform of` 必须是文件的第一项
    .label = 写在了其他声明之后
    .help = 把 `reform of "PATH"` 移到文件开头

pol-reform-base-mismatch = 这个改革方案指定了两个基准政策：`{ $first }` 和 `{ $second }`
    .label = 另一个基准政策
    .help = 改革方案的每个文件都指定同一个基准政策（`reform of "{ $first }"`），或者都不写
    .related = 第一个文件在这里指定基准政策 `{ $first }`

pol-reform-nested = 基准政策本身是一个改革方案
    .label = 基准是对另一政策的改革方案
    .help = 改革方案的基准必须是政策：在 `reform of` 中写那个改革方案自己的基准政策，并把要保留的改动复制到本方案中

pol-reform-unknown-target = 基准政策中没有{ $what } `{ $name }`
    .label = 基准政策中未声明
    .help = { $help }

pol-reform-type-changed = `{ $name }` 在基准政策中是 `{ $base_ty }`，在改革方案中却是 `{ $new_ty }`
    .label = 替换后为 `{ $new_ty }`
    .help = 请保持基准政策中的类型 `{ $base_ty }`，或另起一个名称声明
    .related = 基准政策在这里把 `{ $name }` 声明为 `{ $base_ty }`

pol-reform-removed-but-read = `{ $name }` 被删除，但 `{ $reader }` 仍引用它
    .label = 在此删除
    .help = 写 `remove { $entity } { $name } instead = VALUE` 说明引用处改取什么值，或一并替换 `{ $reader }`
    .related = `{ $reader }` 在这里引用 `{ $name }`

pol-reform-already-in-base = 基准政策已经声明了{ $what } `{ $name }`
    .label = 在改革方案中再次声明
    .help = 要修改基准政策中的声明请写 `{ $fix }`，要新增请另起名称
    .related = 基准政策在这里声明了 `{ $name }`

pol-reform-changed-twice = 改革方案两次修改了 `{ $name }`
    .label = 在此再次修改
    .help = 对 `{ $name }` 只保留一处 `replace` 或 `remove`
    .related = `{ $name }` 第一次在这里被修改

pol-reform-output-changed = 改革方案改变了输出 `{ $name }` 的行
    .label = 改变了 `for` 或加了 `where`
    .help = 改革方案只能给基准政策的输出增加列：写 `output { $name } for { $entity } {"{"} NEW_COLUMN {"}"}`，不带 `where`；要输出其他行，请声明新的输出
    .related = 基准政策在这里声明了输出 `{ $name }`

pol-scenario-not-a-table = `{ $key }` 必须是按日期分的表
    .label = 不是辖区的表
    .help = 情景文件的表头是辖区和日期：写 `[province."2019-01-01"]` 或 `["610700"."2019-01-01"]`，下面逐行写 `name = value`

pol-role-outside-household = 角色在 `household` 块中声明，不能写在 `{ $entity }` 中
    .label = 家庭之外的角色
    .help = 把这一行 `role` 移到 `household {"{"} … {"}"}` 中：成员的 `role` 列即取其中之一

pol-role-column-declared = 成员列 `role` 已由家庭的角色声明
    .label = 在此再次声明
    .label-2 = 家庭的角色
    .help = 删除此列：家庭写了 `role …` 后，每位成员都有一个取值为其中一个角色的 `role` 列

pol-role-limit-in-test = 此测试有 { $count } 名成员的角色为 `{ $role }`，至多允许 { $limit } 名
    .label = 多出的一名成员
    .label-2 = 上限
    .help = 给此成员换一个角色；如果测试检查的就是上限，请写 `expect rejected`

pol-test-tolerance = 容差须是一个普通数字
    .label = 不是数字
    .help = 把允许的偏差写成不带单位和符号的数字，例如 `± 0.01` 或 `tolerance 0.01`

pol-test-tolerance-type = `{ $name }` 的类型是 `{ $ty }`，不能带容差
    .label = 对精确比较的值给了容差
    .help = 只有金额、比例和整数可以在容差内比较；请删除 `± …`

pol-test-default-member = 此测试没有 `person`，其默认成员没有 `{ $column }`
    .label = 没有成员的测试
    .help = 写出成员，例如 `person {"{"} { $column }: … {"}"}`，或在 `person` 块中给 `{ $column }` 一个默认值

pol-period-unit = `{ $name }` { $per }计算，但 `{ $unit }` 是{ $other }的金额
    .label = { $other }的金额
    .help = 请写 `{ $want }`，或在类型后写 `{ $other_decl }`

pol-period-mismatch = `{ $reader }` { $per }计算，不能直接读取{ $other }计算的 `{ $name }`
    .label = { $other }计算
    .help = { $help }

pol-period-mismatch--2 = `{ $function }` 不能用在{ $per }计算的规则中
    .label = 只能用在{ $need }计算的规则中
    .help = { $help }

pol-period-not-periodic = `{ $function }` 读取{ $expect }计算的值，而 `{ $name }` { $found }
    .label = { $found }
    .help = { $help }

pol-test-period = `{ $name }` 按月计算，没有年份 `{ $period }` 的值
    .label = 这里需要月份，写的是年份
    .help = 请写一个月份，例如 `{ $name } { $period }-01`

pol-test-period--2 = `{ $name }` 不按月变化，不能带期间
    .label = 常量列带了期间
    .help = 删除期间，或把该列声明为 `per month`，使它每月可以有不同的值

pol-input-period-column = `{ $file }` 的列 `{ $column }` 不是按月列的期间：{ $reason }
    .label = `{ $column }` 不是任何按月列的期间
    .help = { $help }
