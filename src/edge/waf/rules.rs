//! The WAF's rules: each matches an attack by its grammar in context, never by a bare word,
//! so review texts that say "select", "union", "drop by" or "<3" pass.

use regex::Regex;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Sqli,
    Xss,
    Traversal,
    Shell,
    Scanner,
    Protocol,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqli => "sqli",
            Self::Xss => "xss",
            Self::Traversal => "traversal",
            Self::Shell => "shell",
            Self::Scanner => "scanner",
            Self::Protocol => "protocol",
        }
    }
}

/// Where a value came from decides which rules apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// The URL path.
    Path,
    /// Query values, form fields, JSON fields, header values that are not free text.
    Value,
    /// Free text people write (review, reply, comment, note, search): only rules that cannot
    /// fire on prose apply.
    FreeText,
    UserAgent,
    /// The name of an uploaded file (multipart `filename`, `X-Filename` headers).
    FileName,
}

pub struct Rule {
    pub id: &'static str,
    pub family: Family,
    pub contexts: &'static [Context],
    /// Compiled the first time the combined set names this rule: most rules never fire, and
    /// each expression compiled alone holds its own automaton (memory at start,
    /// BENCHMARKS.md "Items in blocks"). The set compiles every source at start, so a pattern
    /// that does not compile stops the start, not a request.
    pattern: OnceLock<Regex>,
    /// The pattern's source, for the combined per-context set.
    pub source: String,
    /// For tautologies: the two captured operands must be equal (`'a'='a'`, `1=1`).
    equal_operands: bool,
}

impl Rule {
    fn pattern(&self) -> &Regex {
        self.pattern.get_or_init(|| {
            Regex::new(&self.source)
                .unwrap_or_else(|e| unreachable!("rule {} compiles: {e}", self.id))
        })
    }

    pub fn matches(&self, normalized: &str) -> bool {
        if !self.equal_operands {
            return self.pattern().is_match(normalized);
        }
        self.pattern().captures_iter(normalized).any(|c| {
            let a = c.name("a").map(|m| m.as_str().trim_matches(['\'', '"']));
            let b = c.name("b").map(|m| m.as_str().trim_matches(['\'', '"']));
            a.is_some() && a == b
        })
    }
}

use Context::{FileName, FreeText, Path, UserAgent, Value};

const ALL: &[Context] = &[Path, Value, FreeText, UserAgent];
const STRICT: &[Context] = &[Path, Value, UserAgent];

/// Unix programs an attacker runs (a subset of CRS's unix-shell list).
const UNIX: &str = "pwd|which|whereis|hostname|sleep|echo|dir|net\\s+(?:view|localgroup|share|use|group|config|session|start|stop)|arp|route|reboot|shutdown|mkdir|rmdir|cp|mv|chattr|cat|tac|ls|id|whoami|uname|wget|curl|nc|ncat|netcat|socat|bash|sh|zsh|ksh|csh|dash|rm|ping|nslookup|dig|python[23]?(?:\\.\\d+)?|perl|php|ruby|lua|node|gcc|chmod|chown|chgrp|busybox|telnet|ssh|scp|sftp|tftp|rsync|find|xargs|g?awk|sed|e?grep|head|tail|base32|base64|xxd|od|hexdump|strings|b?s?dtar|tar|unzip|g?zip|gunzip|zcat|zstd|zstdcat|unxz|xz|bzip2|dd|mkfifo|mknod|strace|ltrace|gdb|perf|crontab|systemctl|pkill|killall|netstat|ifconfig|iptables|useradd|usermod|visudo|chroot|mount|printenv|lastlog|lastlogin|column|fold|comm|bridge|flock|cpulimit|trap|ansible(?:-[a-z]+)?|chef(?:-[a-z]+)?|cscli|rmt(?:-[a-z]+)?|openssl|nmap|tcpdump|docker|kubectl|tee|touch|ln|finger|w3m|lynx|aria2c|lwp-download|fetch|certutil|bitsadmin|cmd(?:\\.exe)?|powershell(?:\\.exe)?|net\\s+user|reg\\s+query|tasklist|systeminfo|ipconfig|type|ps|env|set|who|htop|top|aptitude|apt(?:-get)?|yum|dnf|apk|last|uptime|lsof|history|alias|kill|bcdboot|bcdedit|wmic|schtasks|taskkill|netsh|vssadmin|wevtutil|rundll32|regsvr32|mshta|cscript|wscript|forfiles|findstr";

const COMMANDS: &str = "cat|ls|id|whoami|uname|wget|curl|nc|ncat|netcat|bash|sh|zsh|rm|ping|nslookup|python[23]?|perl|php|chmod|chown|powershell|cmd|certutil|busybox|telnet";

/// (id, family, contexts, pattern, operands must be equal). Patterns run on normalized text:
/// decoded twice, lower case, whitespace and SQL comments folded to one space.
pub const RULE_IDS: &[&str] = &[
    "sqli-tautology",
    "sqli-comment",
    "sqli-union",
    "sqli-stacked",
    "sqli-time",
    "sqli-probe",
    "sqli-function",
    "sqli-boolean",
    "sqli-json",
    "sqli-nosql",
    "sqli-overflow",
    "sqli-ddl",
    "sqli-comment-exec",
    "xss-script",
    "xss-handler",
    "xss-tag",
    "xss-js-url",
    "xss-data-url",
    "xss-js-call",
    "xss-css",
    "xss-jsfuck",
    "xss-attribute",
    "sqli-json-cast",
    "traversal-dotdot",
    "lfi-file",
    "probe-path",
    "shell-chain",
    "shell-subst",
    "shell-expansion",
    "shell-glob",
    "shell-powershell",
    "shell-command",
    "lfi-os-file",
    "shellshock",
    "upload-restricted",
    "scanner-ua",
    "proto-method",
    "proto-smuggling",
    "proto-nul",
    "proto-multipart",
    "proto-headers",
    "sqli-quote-boolean",
    "sqli-order-probe",
    "shell-code-call",
    "shell-template",
    "traversal-bare-hex",
];

pub fn build() -> Vec<Rule> {
    let rule = |id, family, contexts, pattern: &str, equal_operands| Rule {
        id,
        family,
        contexts,
        pattern: OnceLock::new(),
        source: pattern.to_string(),
        equal_operands,
    };
    vec![
        // ' or 'a'='a   " or 1=1   ') or ('x'='x   1 or 1=1
        rule(
            "sqli-tautology",
            Family::Sqli,
            STRICT,
            r#"(?:['"\)\d]|^)\s*(?:or|and|\|\||&&)\s*\(?\s*(?P<a>'[^']*'|"[^"]*"|\d+|[a-z_]\w*)\s*(?:=|like|<=>)\s*\(?\s*(?P<b>'[^']*'?|"[^"]*"?|\d+|[a-z_]\w*)"#,
            true,
        ),
        // admin'--   1'#   ' /*
        rule(
            "sqli-comment",
            Family::Sqli,
            STRICT,
            r#"['"]\s*(?:--|#|;\s*--)"#,
            false,
        ),
        rule(
            "sqli-union",
            Family::Sqli,
            ALL,
            r"\bunion\s+(?:all\s+|distinct\s+)?select\s+(?:null|\d+|@@|[\w.`*]+\s*(?:,|\bfrom\b))",
            false,
        ),
        rule(
            "sqli-stacked",
            Family::Sqli,
            ALL,
            r"[;'\)]\s*(?:drop|truncate|alter)\s+(?:table|database|schema)\b|;\s*(?:delete\s+from|insert\s+into|update\s+\w+\s+set|exec(?:ute)?\s+(?:xp_|sp_)|shutdown\b)",
            false,
        ),
        rule(
            "sqli-time",
            Family::Sqli,
            ALL,
            r"\b(?:pg_)?sleep\s*\(\s*\d|\bbenchmark\s*\(\s*\d+\s*,|\bwaitfor\s+delay\s+'|\bdbms_pipe\.receive_message",
            false,
        ),
        rule(
            "sqli-probe",
            Family::Sqli,
            ALL,
            r"\binformation_schema\b|\bload_file\s*\(|\binto\s+(?:out|dump)file\b|\bxp_cmdshell\b|@@version\b|\bextractvalue\s*\(|\bupdatexml\s*\(",
            false,
        ),
        // A call to one of SQL's own functions: `benchmark(`, `concat_ws (`, `xmltype(`...
        // Not in free text, where "trim (the hedge)" is prose.
        rule(
            "sqli-function",
            Family::Sqli,
            STRICT,
            r"(?:^|[^\w.])(?:benchmark|(?:pg_)?sleep|concat(?:_ws)?|group_concat|coalesce|(?:un)?compress|cos|sin|tan|pow(?:er)?|rand|ord|md5|sha[12]?|(?:un)?hex|mid|substr(?:ing)?(?:_index)?|ascii|chr|ifnull|nullif|isnull|make_set|export_set|name_const|xmltype|extractvalue|updatexml|database|current_user|session_user|system_user|version|sysdate|load_file|[lr]?trim|insert|decode|encode|find_in_set|elt|sqlite_\w+|jsonb?_\w+|unistr|starts_with|db_name|schema_name|object_id|utl_\w+|dbms_\w+|char_length|conv|last_insert_id|row_count|found_rows|connection_id|getdate|unix_timestamp|from_base64|to_base64|crc32|aes_(?:en|de)crypt|soundex|strcmp|weight_string|gtid_subset|geometrycollection|multipoint|linestring|polygon)\s*\\?\(",
            false,
        ),
        // A closing quote, then a boolean operator and a comparison: `" or "1"="2`, `' and 1=2`.
        rule(
            "sqli-boolean",
            Family::Sqli,
            STRICT,
            r#"['"`]\s*\)?\s*(?:or|and|xor|\|\||&&)\s+\(?\s*(?:'[^']*'|"[^"]*"|[\w.@$]+)\s*(?:=|<>|!=|<=>|<|>|\blike\b|\brlike\b|\bregexp\b|\bis\s+(?:not\s+)?null\b|\bbetween\b)|\bselect\s+(?:if|case|sleep|benchmark)\s*\(|union\s*(?:all|distinct)?\s*select[\s\S]{0,200}?from"#,
            false,
        ),
        // PostgreSQL and MySQL JSON operators between quoted documents: `'{..}'::jsonb <@ '{..}'`.
        rule(
            "sqli-json",
            Family::Sqli,
            STRICT,
            r#"'\s*(?:<@|@>|\?[|&]?|#>>?|#-|->>?|@@|@\?|\|\||<|>)\s*'|'\s*\?[|&]\s*array\s*\["#,
            false,
        ),
        // An event handler breaking out of an attribute or standing as a name: `' onselect=..`,
        // `  onload= `; and `javascript:` split by tabs and newlines, which browsers drop.
        rule(
            "xss-attribute",
            Family::Xss,
            STRICT,
            // After a quote, space, digit or separator, as CRS 941120 reads it (a handler
            // smuggled into a signature: `…51onabcd=6yJ…`).
            // Base64 padding (`…0onvozthg==`) is not an assignment.
            r#"(?:^|['"\s\d;,(])on[a-z]{3,48}\s*=(?:[^=]|$)|j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:"#,
            false,
        ),
        // A quoted JSON document cast for PostgreSQL, or MySQL's JSON_EXTRACT: never prose.
        rule(
            "sqli-json-cast",
            Family::Sqli,
            ALL,
            r"'\s*::\s*jsonb?\b|\bjson_extract\s*\(",
            false,
        ),
        // MongoDB query operators in parameters or JSON keys: `u_id[$ne]=`, `{"$where": ..}`.
        rule(
            "sqli-nosql",
            Family::Sqli,
            STRICT,
            r"(?:^|\[)\$(?:ne|eq|gte?|lte?|in|nin|not|nor|or|and|where|regex|exists|elemmatch|text|expr|all|size|type|mod|jsonschema)\b",
            false,
        ),
        // Values chosen to overflow integer and float parsing (PHP, Java).
        rule(
            "sqli-overflow",
            Family::Sqli,
            STRICT,
            r"(?:^|[^\d.])(?:2147483648|4294967296|9223372036854775808|18446744073709551616|2\.2250738585072011e-308)(?:$|[^\d])",
            false,
        ),
        // Schema changes and stacked statements that need no table keyword.
        rule(
            "sqli-ddl",
            Family::Sqli,
            STRICT,
            r"\balter\s+table\b|\bcreate\s+(?:table|function|procedure|trigger)\b|;\s*truncate\b|;\s*replace\s+[\w`]+\s*\(",
            false,
        ),
        rule(
            "xss-script",
            Family::Xss,
            ALL,
            r"<\s*/?\s*(?:[a-z]+:)?script\b",
            false,
        ),
        rule(
            "xss-handler",
            Family::Xss,
            ALL,
            r#"<[a-z!/][^>]*?[\s/"']on[a-z]{3,}\s*="#,
            false,
        ),
        rule(
            "xss-tag",
            Family::Xss,
            ALL,
            r"<\s*(?:[a-z]+:)?(?:iframe|frame|object|embed|applet|svg|math|base|link|meta|form|isindex|template|style)\b|¼\s*/?\s*[a-z]+\s*¾",
            false,
        ),
        rule(
            "xss-js-url",
            Family::Xss,
            STRICT,
            // Browsers drop tabs and line breaks inside a URL's scheme: `ja\tvascript:` runs.
            r"(?:^|[\s'\x22=(])(?:j[\t\n\r]*a[\t\n\r]*v[\t\n\r]*a|v[\t\n\r]*b|l[\t\n\r]*i[\t\n\r]*v[\t\n\r]*e)[\t\n\r]*s[\t\n\r]*c[\t\n\r]*r[\t\n\r]*i[\t\n\r]*p[\t\n\r]*t\s*:",
            false,
        ),
        rule(
            "xss-data-url",
            Family::Xss,
            ALL,
            r"data\s*:\s*text/html|\bdata\s*:\s*[\w/+.-]*\s*(?:;\s*base64\s*)?,\s*<|\bsrcdoc\s*=|expression\s*\(",
            false,
        ),
        // Calls that run or smuggle code: `eval(`, `setTimeout(`, `alert(`, `new Function(`.
        rule(
            "xss-js-call",
            Family::Xss,
            STRICT,
            r#"(?:^|[^\w.])(?:eval|settimeout|setinterval|execscript|alert|prompt|confirm|atob|btoa|fromcharcode)\s*\(|\bnew\s+function\s*\(|\bdocument\s*\.\s*(?:cookie|write|domain)\b|\bwindow\s*\[|\bimport\s*\(|\bimport\s*\{[^}]*\}\s*from\s*['"]"#,
            false,
        ),
        // Script through style sheets: `url(javascript:`, `-moz-binding`, `@import`, `behavior:`.
        rule(
            "xss-css",
            Family::Xss,
            STRICT,
            r"url\s*\(\s*['\x22]?\s*(?:java|vb)script|-moz-binding\s*:|@import\s*['\x22(u]|\bbehaviou?r\s*:\s*url",
            false,
        ),
        // JSFuck: JavaScript written with `[]()!+` only.
        rule(
            "xss-jsfuck",
            Family::Xss,
            STRICT,
            r"!\[\]|\[\]\s*\+\s*\[\]|\+!\+\[\]|\(!\[\]\+\[\]\)",
            false,
        ),
        rule(
            "traversal-dotdot",
            Family::Traversal,
            STRICT,
            r"(?:^|[/\\=;])\.\.(?:[/\\]|;/|\x{FFFD}|$)|(?:0x(?:2e|2f|5c)){2}",
            false,
        ),
        rule(
            "lfi-file",
            Family::Traversal,
            ALL,
            r"(?:^|/|\x{FFFD})etc/(?:passwd|shadow|group|hosts)\b|/proc/self/|\bc:\\windows\\|\b(?:boot|win|system)\.ini\b|\bphp://(?:filter|input)|\bfile:///",
            false,
        ),
        rule(
            "probe-path",
            Family::Traversal,
            &[Path],
            r"^/(?:\.env|\.git/|\.svn/|\.aws/|wp-admin|wp-login\.php|phpmyadmin|cgi-bin/|\.ds_store|server-status|actuator/|vendor/phpunit)|/\.(?:[a-z0-9_-]+)(?:/|$)",
            false,
        ),
        rule(
            "shell-chain",
            Family::Shell,
            STRICT,
            &format!(r"(?:;|\||&&|\|\||\n)\s*(?:{COMMANDS})(?:\s|$|;|\||<|>)"),
            false,
        ),
        rule(
            "shell-subst",
            Family::Shell,
            ALL,
            &format!(
                r"\$\(\s*(?:{COMMANDS})\b|`\s*(?:{COMMANDS})\b[^`]*`|(?:;|\||&&)\s*(?:{COMMANDS})\s+(?:-\w|/\w|https?://)"
            ),
            false,
        ),
        // A Unix command where a shell would run it: after `;`, `|`, `&`, a backtick, `$(`,
        // a newline, or as the whole value, with its arguments; quotes, backslashes and empty
        // variables (`c'a't`, `c\at`, `$u`) are stripped first (see `Rule::matches`).
        rule(
            "shell-command",
            Family::Shell,
            STRICT,
            &format!(
                r"(?:[;|&`\n(]|\$\()\s*(?:(?:sudo|time|nohup|env|exec|timeout\s+\d+|nice|strace|\w+=\S*)\s+)*(?:/?(?:usr/)?(?:local/)?s?bin/)?(?:{UNIX})(?:\s|$|[;|&<>])|^(?:(?:sudo|time|nohup|env|exec|timeout\s+\d+|nice|strace)\s+)*(?:/?(?:usr/)?(?:local/)?s?bin/)?(?:{UNIX})\s+(?:-{{1,2}}[a-z]|/|~/|\.{{1,2}}/|\$)|(?:^|[\s;|&=])/(?:usr/)?(?:local/)?s?bin/\w|^(?:sudo|time|nohup|strace|ltrace|env|exec|timeout\s+\d+)\s+(?:{UNIX})(?:\s|$)|^(?:ansible(?:-[a-z]+)?|chef(?:-[a-z]+)?|cscli|visudo|whoami|ifconfig|bsdtar|python[23](?:\.\d+)?)(?:\s|$)|^(?:usr/)?(?:local/)?s?bin/[a-z]"
            ),
            false,
        ),
        // Shell expansions: `${IFS}`, `${x#}`, `$((..))`, `$[..]`, `<(cmd)`, `>(cmd)`, backticks.
        rule(
            "shell-expansion",
            Family::Shell,
            STRICT,
            r"\$\{[^}\s]{0,80}\}|\$\(\(|\$\[[^\]]{0,40}\]|[<>]\(\s*[a-z]|`[^`]{1,200}`|\$(?:shell|ifs|home|path)\b|\{[\w.-]*,[\w.,-]*\}|\(\)\s*\{",
            false,
        ),
        // Paths spelled with glob brackets to dodge filters: `/etc/pas[s]wd`, `/bi[n]/bash`.
        rule(
            "shell-glob",
            Family::Shell,
            STRICT,
            r"/[\w.?*-]*\[[^\]\s]{1,30}\][\w.?*/-]*|/[\w.-]*\?[\w.?-]*/",
            false,
        ),
        rule(
            "shell-powershell",
            Family::Shell,
            STRICT,
            r"\binvoke-(?:webrequest|expression|restmethod|command|item)\b|\bnew-object\s+(?:system\.)?net\.webclient\b|\b(?:start-process|downloadstring|downloadfile)\b|\biex\s*\(",
            false,
        ),
        // Files an attacker wants from the machine, named at the start of a value or after a
        // shell redirection: `/etc/subuid`, `/sys/class`, `~/.ssh/id_rsa`, `>/tmp/x`.
        rule(
            "lfi-os-file",
            Family::Traversal,
            STRICT,
            r"(?:^|[\s=;|&])/(?:etc|proc|sys|dev|root|boot)/[\w.-]|[<>]\s*/tmp/|(?:^|[/\s=])\.(?:ssh|docker|aws|kube|gnupg|netrc|npmrc|pypirc|bash_history|htpasswd|git-credentials)(?:/|\b)|\bid_(?:rsa|dsa|ecdsa|ed25519)\b|\b[\w-]+\.sql(?:\.(?:zip|gz|bz2|tar|7z|rar))?$",
            false,
        ),
        rule(
            "shellshock",
            Family::Shell,
            ALL,
            r"\(\s*\)\s*\{\s*:?\s*;?\s*\}\s*;",
            false,
        ),
        // Uploads that would overwrite configuration or secrets (CRS 932180): .htaccess,
        // wp-config.php and its backups, settings.php, config.yml, .boto, /proc entries.
        rule(
            "upload-restricted",
            Family::Shell,
            &[FileName],
            r"(?:^|[/\\])(?:\.ht(?:access|digest|passwd)|\.user\.ini|\.boto|\.env|\.git(?:config|ignore|-credentials)?|\.bash_\w+|\.ssh|\.npmrc|\.pypirc|\.netrc|id_(?:rsa|dsa|ecdsa|ed25519)|web\.config|wp-config[\w.\s-]*|(?:config|configuration|settings|local|database|db|parameters|secrets?)\s*\.\s*(?:php|ya?ml|json|ini|xml|inc|conf)[\w.\s-]*|mtrr|acpi|passwd|shadow)\s*$",
            false,
        ),
        // A quoted value closed and followed by a boolean and another quote: `' or '`,
        // `" or ""&"`, `' and '1`. Not for prose (a review may quote two words joined by "or").
        rule(
            "sqli-quote-boolean",
            Family::Sqli,
            STRICT,
            r#"['"`]\s*(?:\bx?or\b|\band\b|\|\||&&)\s*['"`(]"#,
            false,
        ),
        // Column-count probing: a value that is only `ORDER BY n` / `GROUP BY n`, maybe after a
        // closing quote or parenthesis and before a comment.
        rule(
            "sqli-order-probe",
            Family::Sqli,
            STRICT,
            r#"^\s*(?:\d+\s*)?['"`)]*\s*(?:order|group)\s+by\s+\d+\s*(?:asc|desc)?\s*(?:--|#|/\*|;|$)"#,
            false,
        ),
        // Code that runs a command: `system('…')`, `exec("…")`, `passthru($_GET…)`.
        rule(
            "shell-code-call",
            Family::Shell,
            STRICT,
            r#"\b(?:system|shell_exec|passthru|popen|proc_open|pcntl_exec|exec|eval|assert|child_process\.exec\w*|os\.system|subprocess\.\w+|runtime\.getruntime\(\)\.exec)\s*\(\s*['"`$]"#,
            false,
        ),
        // Server-side templates evaluated: `{{7*7}}`, `{{config.items()}}`, `{{''.__class__}}`,
        // `${7*7}`, `<%= 7*7 %>`, `#{7*7}`.
        rule(
            "shell-template",
            Family::Shell,
            STRICT,
            r"\{\{[^}]*?(?:\d\s*[*+/%-]\s*\d|__\w+__|\.\w+\s*\(|\bconfig\b|\bself\b|\brequest\b|\[\s*\])[^}]*\}\}|[#$]\{\s*\d+\s*[*+/%-]\s*\d+\s*\}|<%=?\s*\d+\s*[*+/%-]\s*\d+\s*%>",
            false,
        ),
        // Traversal written with the escapes' hex but no `%` (`..2f..2fetc2fpasswd`), as
        // decoders that take bare hex read it.
        rule(
            "traversal-bare-hex",
            Family::Traversal,
            STRICT,
            r"(?:\.\.(?:2f|5c)){2,}|(?:^|[/\\])\.\.(?:2f|5c)\w",
            false,
        ),
        rule(
            "scanner-ua",
            Family::Scanner,
            &[UserAgent],
            r"sqlmap|nikto|nmap|masscan|zgrab|nuclei|dirbuster|gobuster|wpscan|acunetix|nessus|openvas|w3af|havij|jorgee|zmeu|fimap|wfuzz|\bffuf\b|feroxbuster|whatweb|arachni|skipfish|netsparker|appscan|burp\s*collaborator",
            false,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rules compile their own expression only when first used: each must compile alone, and
    /// a rule matches the same through it as through its source.
    #[test]
    fn every_rule_compiles_alone_when_first_used() {
        let rules = build();
        assert!(
            rules.iter().all(|r| r.pattern.get().is_none()),
            "none compiled at start"
        );
        for r in &rules {
            assert!(Regex::new(&r.source).is_ok(), "rule {}", r.id);
            let _ = r.matches("1' or '1'='1 /etc/passwd <script>");
            assert!(
                r.pattern.get().is_some(),
                "rule {} compiled once used",
                r.id
            );
        }
        let tautology = rules.iter().find(|r| r.id == "sqli-tautology").unwrap();
        assert!(tautology.matches("x' or 'a'='a"));
        assert!(!tautology.matches("x' or 'a'='b"));
    }
}
