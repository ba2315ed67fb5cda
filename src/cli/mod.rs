//! The command line: `check`, `rules`, `explain`, `lsp`, `completions`. The one part of
//! the library that prints.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod error;
mod output;
mod recognize;

pub use error::CliError;

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::config::Config;
use crate::finding::Severity;
use crate::report;
use crate::source::SourceFile;
use crate::{Workspace, analyze, rules};

#[derive(Parser, Debug)]
#[command(
    name = "acrlint",
    version = env!("ACRLINT_VERSION"),
    about = "Static analysis of the container supply chain of Azure deployments: Terraform, ARM/Bicep and Kubernetes."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan files and folders and report findings.
    Check(CheckArgs),
    /// List the rule catalog.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Record the current findings as accepted: `baseline write FILE [PATHS]`.
    Baseline {
        #[command(subcommand)]
        command: BaselineCommand,
    },
    /// Print a rule's documentation.
    Explain {
        /// Rule code or name, e.g. ACR002 or registry-admin-user-enabled.
        rule: String,
    },
    /// Run the language server (LSP over stdin/stdout) for editors.
    Lsp {
        /// URL pattern linking diagnostics to rule docs (`{code}`, `{name}`, `{file}`),
        /// e.g. `https://example.com/acrlint/rules/{file}`; without it hover shows the doc.
        #[arg(long, value_name = "PATTERN")]
        docs_url: Option<String>,
    },
    /// Print shell completions: `acrlint completions bash > /etc/bash_completion.d/acrlint`.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand, Debug)]
pub enum BaselineCommand {
    /// Write the fingerprints of every current finding to FILE (JSON); `check --baseline FILE`
    /// then reports only new findings.
    Write {
        /// The baseline file to write.
        file: PathBuf,
        #[command(flatten)]
        args: CheckArgs,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

/// A minimum severity for `--severity`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MinSeverity {
    Error,
    Warning,
    Note,
}

impl MinSeverity {
    fn severity(self) -> Severity {
        match self {
            MinSeverity::Error => Severity::Error,
            MinSeverity::Warning => Severity::Warning,
            MinSeverity::Note => Severity::Note,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Files and folders to scan (`-` reads one file from standard input, its format told
    /// from its content unless `--stdin-filename` names it).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Report format: human, json, sarif or github; `FORMAT=PATH` writes that report to a
    /// file instead of standard output. Repeatable: one analysis, several reports, e.g.
    /// `--format human --format sarif=results.sarif`. At most one format goes to standard
    /// output (or to `--output-file`).
    #[arg(long, short = 'f', value_name = "FORMAT[=PATH]", value_parser = output::parse_format_spec, default_value = "human")]
    pub format: Vec<output::FormatSpec>,
    /// Write the report that would go to standard output to this file instead (replaced
    /// whole, never left half-written).
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output_file: Option<PathBuf>,
    /// Exit with 1 when a shown finding at or above this severity remains (findings hidden
    /// by `--severity` do not count).
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Show only findings at or above this severity, in every report; the exit code
    /// judges what is shown.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub severity: Option<MinSeverity>,
    /// Run only these rules (codes or names, comma-separated; repeatable): every other
    /// rule is off, as if set to "off" in `[rules]`; LINT001 (a file that cannot be read
    /// or parsed) stays on unless ignored. Overrides the config file.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Turn these rules off (codes or names, comma-separated; repeatable). Overrides the
    /// config file and `--select`.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Print the number of findings per rule (count, code, name; most frequent first)
    /// instead of the findings; a JSON array with `--format json`.
    #[arg(long)]
    pub statistics: bool,
    /// Print the findings only: no summary line, no progress messages. Warnings about
    /// what was not read are still printed.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Configuration file (default: `acrlint.toml` in the scanned folder or above).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Ignore any `acrlint.toml`.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Terraform variable file, applied after terraform.tfvars and *.auto.tfvars (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// ARM parameter file applied to the templates scanned (repeatable).
    #[arg(long = "parameters", value_name = "FILE")]
    pub parameter_files: Vec<PathBuf>,
    /// The name to report for standard input (with `-`).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Also print notes on what was skipped or could not be evaluated.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Print where the time went (discover, parse + evaluate per format, graph, rules,
    /// render) to standard error.
    #[arg(long)]
    pub timings: bool,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Report only findings that are not in this baseline file (see `baseline write`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Rewrite what rules can fix with certainty, then report what remains. Files are
    /// replaced whole or not at all; with `-`, the fixed text goes to standard output and
    /// the report to standard error (standard input is never written anywhere).
    #[arg(long)]
    pub fix: bool,
    /// Print the changes `--fix` would make as a unified diff, without writing; exit 1 when
    /// there are any (with none, says so on standard error and exits 0).
    #[arg(long)]
    pub diff: bool,
    /// URL pattern of the rule docs linked from SARIF (`helpUri`) and the step summary
    /// (`{code}`, `{name}`, `{file}`); default: the rule's page in acrlint's repository.
    #[arg(long, value_name = "PATTERN")]
    pub docs_url: Option<String>,
    /// With `--fix` or `--diff`, also apply the fixes that change cost or reachability
    /// (the Premium SKU, public network access off), which are left out by default.
    #[arg(long)]
    pub unsafe_fixes: bool,
}

/// Run the command line; returns the process exit code.
pub fn main() -> i32 {
    // Parsers and evaluators recurse; give every thread that analyses a known, generous
    // stack (the depth limits of `eval::budget` and of each front end are measured
    // against it): the rayon workers, and the thread that runs the command (the main
    // thread's stack depends on the environment, e.g. `ulimit -s`).
    const STACK: usize = 8 * 1024 * 1024;
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(STACK)
        .build_global();
    let spawned = std::thread::Builder::new()
        .name("acrlint".into())
        .stack_size(STACK)
        .spawn(command);
    match spawned {
        // A panic outside the per-file guards (already reported by the panic hook).
        Ok(handle) => handle.join().unwrap_or(2),
        Err(_) => command(),
    }
}

/// Parse the command line and run it.
fn command() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            let msg = e.to_string();
            // Messages may quote the repository (names, a config line): shown escaped, and
            // every line after the first indented, so none can start a workflow command.
            eprintln!(
                "acrlint: error: {}",
                crate::sanitize::visible_multiline(&msg).replace('\n', "\n  ")
            );
            2
        }
    }
}

fn run(cli: Cli) -> Result<i32, CliError> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Baseline {
            command: BaselineCommand::Write { file, args },
        } => {
            let (config, ws) = scan(&args)?;
            let analysis = analyze(&ws, &config);
            let baseline = crate::baseline::Baseline::of(&analysis);
            baseline.write(&file)?;
            if !args.quiet {
                eprintln!(
                    "acrlint: wrote {} finding(s) to {}",
                    baseline.findings.len(),
                    crate::sanitize::path(&file)
                );
            }
            Ok(0)
        }
        Command::Rules { format } => {
            print_rules(format);
            Ok(0)
        }
        Command::Explain { rule } => match rules::by_code_or_name(&rule) {
            Some(r) => {
                print!("{}", r.meta.doc);
                Ok(0)
            }
            None => Err(CliError::Usage(format!(
                "unknown rule `{rule}` (see `acrlint rules`)"
            ))),
        },
        Command::Lsp { docs_url } => Ok(crate::lsp::run(crate::lsp::Options { docs_url })),
        Command::Completions { shell } => {
            // Built in memory first: the generator panics on a closed pipe (`| head`).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "acrlint", &mut script);
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(&script).and_then(|()| stdout.flush());
            Ok(0)
        }
    }
}

fn print_rules(format: RulesFormat) {
    match format {
        RulesFormat::Text => {
            for r in rules::ALL {
                println!(
                    "{:<8} {:<8} {:<42} {}{}",
                    r.meta.code,
                    r.meta.severity.as_str(),
                    r.meta.name,
                    r.meta.summary,
                    if r.meta.on_by_default() {
                        ""
                    } else {
                        " (off by default)"
                    }
                );
            }
        }
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = rules::ALL
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "code": r.meta.code,
                        "name": r.meta.name,
                        "severity": r.meta.severity.as_str(),
                        "summary": r.meta.summary,
                        "on_by_default": r.meta.on_by_default(),
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&list).unwrap_or_default()
            );
        }
    }
}

/// The configuration for a scan: `--config`, else `acrlint.toml` found upward from the
/// first path, else defaults; command-line files are added to it.
pub fn load_config(args: &CheckArgs) -> Result<Config, CliError> {
    let mut config = if args.no_config {
        Config::default()
    } else if let Some(p) = &args.config {
        Config::load(p)?
    } else {
        let start = args
            .paths
            .iter()
            .find(|p| p.as_os_str() != "-")
            .cloned()
            .unwrap_or_else(|| PathBuf::from("."));
        match Config::discover(&start) {
            Some(p) => Config::load(&p)?,
            None => Config::default(),
        }
    };
    config.var_files.extend(args.var_files.iter().cloned());
    config
        .parameter_files
        .extend(args.parameter_files.iter().cloned());
    Ok(config)
}

/// The configuration and the workspace of a scan: the config file's own paths are admitted
/// only inside the scanned folders (see [`Config::confine`]).
pub fn scan(args: &CheckArgs) -> Result<(Config, Workspace), CliError> {
    require_named_files(args)?;
    let mut config = load_config(args)?;
    select_rules(&mut config, args)?;
    let (ws, _) = workspace(args, &config)?;
    warn_not_read(args, &ws);
    config.confine(&ws.roots)?;
    Ok((config, ws))
}

/// `--var-file` and `--parameters` files must exist: a missing one would otherwise
/// evaluate with other values and pass silently.
fn require_named_files(args: &CheckArgs) -> Result<(), CliError> {
    let named = args
        .var_files
        .iter()
        .map(|p| ("--var-file", p))
        .chain(args.parameter_files.iter().map(|p| ("--parameters", p)));
    for (flag, path) in named {
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() => {}
            Ok(_) => {
                return Err(CliError::Usage(format!(
                    "{flag} {}: not a regular file; not read",
                    crate::sanitize::path(path)
                )));
            }
            Err(e) => {
                return Err(CliError::Usage(format!(
                    "{flag} {}: {e}",
                    crate::sanitize::path(path)
                )));
            }
        }
    }
    Ok(())
}

/// `--select` and `--ignore` on top of the config's `[rules]`: the command line wins.
/// A rule selected keeps the level the config gives it; one the config or its default
/// turns off runs at its own severity.
fn select_rules(config: &mut Config, args: &CheckArgs) -> Result<(), CliError> {
    use crate::config::Level;
    let resolve = |flag: &str, list: &[String]| -> Result<Vec<&'static rules::Rule>, CliError> {
        list.iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .map(|c| {
                rules::by_code_or_name(c).ok_or_else(|| {
                    CliError::Usage(format!(
                        "unknown rule `{}` in {flag} (see `acrlint rules`)",
                        crate::sanitize::excerpt(c)
                    ))
                })
            })
            .collect()
    };
    let selected = resolve("--select", &args.select)?;
    let ignored = resolve("--ignore", &args.ignore)?;
    for rule in rules::ALL {
        let (code, name) = (rule.meta.code, rule.meta.name);
        let named = |list: &[&rules::Rule]| list.iter().any(|r| r.meta.code == code);
        let level = if named(&ignored) {
            Some(Level::Off)
        } else if selected.is_empty() || (code == "LINT001" && !named(&selected)) {
            continue;
        } else if named(&selected) {
            // Selected: the config's level, unless it turned the rule off (or the rule is
            // off by default): then the rule's own severity.
            Some(
                config
                    .level(code, name)
                    .filter(|l| *l != Level::Off)
                    .unwrap_or(Level::of(rule.meta.severity)),
            )
        } else {
            Some(Level::Off)
        };
        config
            .rules
            .retain(|k, _| !(k.eq_ignore_ascii_case(code) || k == name));
        if let Some(l) = level {
            config.rules.insert(code.to_string(), l);
        }
    }
    Ok(())
}

/// A warning on standard error for each file named on the command line that is not
/// analysed (not a format acrlint reads): it would otherwise pass without a word.
fn warn_not_read(args: &CheckArgs, ws: &Workspace) {
    let cwd = std::env::current_dir().unwrap_or_default();
    // Standard input under a name acrlint does not read is warned about too (without a
    // name, its format was told from its content).
    let stdin_name = args
        .stdin_filename
        .as_ref()
        .filter(|_| args.paths.iter().any(|p| p.as_os_str() == "-"))
        .map(PathBuf::from);
    let named = args.paths.iter().filter(|p| p.as_os_str() != "-");
    for path in named.chain(stdin_name.as_ref()) {
        let full = crate::normalize(&cwd.join(path));
        let Some(file) = ws.files.iter().find(|f| f.path == full) else {
            continue;
        };
        if let Some(reason) = recognize::not_read_reason(&file.path, &file.text) {
            eprintln!(
                "acrlint: warning: {}: {reason}",
                crate::sanitize::path(path)
            );
        }
    }
}

/// Build the workspace for `check`: the paths (and standard input for `-`, capped like a
/// file) choose what is reported; the graph is built from their whole project (the folder
/// of the nearest `acrlint.toml`, else the repository root, else the folder given), so a
/// file's findings are the same whichever paths are passed. With `--stdin-filename`,
/// standard input takes that path's place in its project. Also returns the path standard
/// input is reported under: never written to.
pub fn workspace(
    args: &CheckArgs,
    config: &Config,
) -> Result<(Workspace, Option<PathBuf>), CliError> {
    let (stdin, paths): (Vec<&PathBuf>, Vec<&PathBuf>) =
        args.paths.iter().partition(|p| p.as_os_str() == "-");
    let paths: Vec<PathBuf> = paths.into_iter().cloned().collect();
    let cwd = std::env::current_dir().unwrap_or_default();
    // Standard input first: unnamed, its format (and so its name) is told from its text.
    let stdin = if stdin.is_empty() {
        None
    } else {
        let text = read_stdin()?;
        let name = match &args.stdin_filename {
            Some(n) => n.clone(),
            None => recognize::stdin_name(&text)?.to_string(),
        };
        let path = crate::normalize(&cwd.join(&name));
        if paths.iter().any(|p| crate::normalize(p) == path) {
            return Err(CliError::Usage(format!(
                "--stdin-filename {} names a file that is also scanned",
                crate::sanitize::visible(&name)
            )));
        }
        Some((name, path, text))
    };
    let stdin_path = stdin.as_ref().map(|(_, path, _)| path.clone());
    // Standard input joins its project only when it is named; unnamed, it stands alone.
    let placed = stdin_path
        .as_deref()
        .filter(|_| args.stdin_filename.is_some());
    let mut ws = if paths.is_empty() && placed.is_none() {
        Workspace::default()
    } else {
        crate::discover::project_workspace(&paths, placed, config)?
    };
    if let Some((name, path, text)) = stdin {
        let file = SourceFile::new(
            path.clone(),
            crate::sanitize::visible(&name).into_owned(),
            text,
        );
        // The text replaces the file of that name in the project (an editor's unsaved
        // buffer, a staged version).
        ws.files.retain(|f| f.path != path);
        ws.unreadable.retain(|(p, _, _)| *p != path);
        ws.files.push(file);
        if ws.selection.is_none() {
            ws.roots.push(crate::normalize(&cwd));
        } else if let Some(sel) = ws.selection.as_mut()
            && !sel.contains(&path)
        {
            sel.push(path.clone());
        }
        if !ws.roots.iter().any(|r| path.starts_with(r)) {
            ws.roots.push(crate::normalize(&cwd));
        }
    }
    Ok((ws, stdin_path))
}

/// Standard input as text, capped like a file.
fn read_stdin() -> Result<String, CliError> {
    use crate::discover::{MAX_FILE_BYTES, ReadError, decode_text};
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::Stdin(format!("cannot read standard input: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(CliError::Stdin(format!(
            "standard input is over the {MAX_FILE_BYTES} byte limit; not scanned"
        )));
    }
    decode_text(bytes).map_err(|e| match e {
        ReadError::NotText(m) | ReadError::Failed(m) => {
            CliError::Stdin(format!("standard input: {m}"))
        }
    })
}

fn check(args: CheckArgs) -> Result<i32, CliError> {
    let start = std::time::Instant::now();
    let outputs = output::plan(&args)?;
    require_named_files(&args)?;
    let mut config = load_config(&args)?;
    select_rules(&mut config, &args)?;
    let baseline = match &args.baseline {
        Some(p) => Some(crate::baseline::Baseline::load(p)?),
        None => None,
    };
    let (mut ws, stdin_path) = workspace(&args, &config)?;
    warn_not_read(&args, &ws);
    config.confine(&ws.roots)?;
    let discovered = start.elapsed();
    let mut analysis = analyze(&ws, &config);
    // `--fix -`: the fixed text goes to standard output, the report to standard error.
    let mut fixed_stdin: Option<String> = None;
    if args.diff || args.fix {
        // Only files read from disk are written; standard input never is.
        let on_disk: std::collections::HashSet<&std::path::Path> = ws
            .files
            .iter()
            .map(|f| f.path.as_path())
            .filter(|p| Some(*p) != stdin_path.as_deref())
            .collect();
        let is_stdin = |p: &std::path::Path| Some(p) == stdin_path.as_deref();
        // Standard input's fixes are planned too, but only ever printed.
        let crate::fix::Plan {
            changes,
            unsafe_left,
        } = crate::fix::plan(
            &analysis,
            &|p| on_disk.contains(p) || is_stdin(p),
            args.unsafe_fixes,
        );
        // As ruff: the fixes left out are counted, with how to get them.
        let hidden = (unsafe_left > 0).then(|| {
            format!("{unsafe_left} unsafe fix(es) left out: they change cost or who can reach the registry; review them with `--diff --unsafe-fixes`, apply them with `--fix --unsafe-fixes`")
        });
        if args.diff {
            print!("{}", crate::fix::diff(&changes));
            if changes.is_empty() {
                eprintln!("acrlint: nothing to fix");
            }
            if let Some(h) = &hidden {
                eprintln!("acrlint: {h}");
            }
            return Ok(i32::from(!changes.is_empty()));
        }
        fixed_stdin = ws.files.iter().find(|f| is_stdin(&f.path)).map(|f| {
            changes
                .iter()
                .find(|c| is_stdin(&c.path))
                .map_or_else(|| f.text.to_string(), |c| c.after.clone())
        });
        if !changes.is_empty() {
            // Confirm before writing anything: every fixed file must still parse.
            let fixed_ws = Workspace {
                files: ws
                    .files
                    .iter()
                    .map(|f| match changes.iter().find(|c| c.path == f.path) {
                        Some(c) => {
                            SourceFile::new(f.path.clone(), f.display.clone(), c.after.as_str())
                        }
                        None => f.clone(),
                    })
                    .collect(),
                unreadable: ws.unreadable.clone(),
                roots: ws.roots.clone(),
                notes: ws.notes.clone(),
                hidden: ws.hidden.clone(),
                project: ws.project.clone(),
                selection: ws.selection.clone(),
                ..Workspace::default()
            };
            let fixed = analyze(&fixed_ws, &config);
            let parse_errors = |a: &crate::Analysis| {
                a.findings
                    .iter()
                    .filter(|f| {
                        f.rule.code == "LINT001"
                            && changes
                                .iter()
                                .any(|c| c.path == a.sources.get(f.primary.file).path)
                    })
                    .count()
            };
            if parse_errors(&fixed) > parse_errors(&analysis) {
                return Err(CliError::FixUnparsable);
            }
            let disk: Vec<crate::fix::FileChange> =
                changes.into_iter().filter(|c| !is_stdin(&c.path)).collect();
            crate::fix::write(&disk)?;
            let n: usize = disk.iter().map(|c| c.fixes).sum();
            if !disk.is_empty() && !args.quiet {
                eprintln!("acrlint: fixed {n} finding(s) in {} file(s)", disk.len());
            }
            ws = fixed_ws;
            analysis = fixed;
        }
        if let Some(h) = &hidden {
            eprintln!("acrlint: {h}");
        }
    }
    if let Some(b) = &baseline {
        b.filter(&mut analysis);
    }
    // The display filter: every report shows the same findings, and the exit code
    // judges those.
    let not_shown = args.severity.map(|min| {
        let min = min.severity();
        let before = analysis.findings.len();
        analysis.findings.retain(|f| f.severity >= min);
        (min, before - analysis.findings.len())
    });
    if let Some(p) = &args.docs_url {
        report::sarif::set_docs_url(p.clone());
    }
    let render_start = std::time::Instant::now();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let options = report::Options {
        color,
        quiet: args.quiet,
        not_shown,
    };
    if let Some(text) = &fixed_stdin {
        // As `ruff check --fix -`: the fixed source on standard output, the report on
        // standard error.
        let mut stdout = std::io::stdout().lock();
        let _ = stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush());
    }
    output::write_all(&analysis, &outputs, &options, fixed_stdin.is_some())?;
    if let Err(e) = report::summary::append_from_env(&analysis) {
        eprintln!("acrlint: {e}");
    }
    for note in &analysis.notes {
        // What was not analysed at all, or analysed in another file, is said without `-v`
        // (Helm templates, a .bicep file whose compiled template was checked instead).
        let visible = note.starts_with(crate::eval::kubernetes::HELM_SUMMARY)
            || note.ends_with(crate::eval::bicep::FALLBACK);
        if !args.verbose && !args.quiet && visible {
            eprintln!("note: {}", crate::sanitize::visible(note));
        }
    }
    if args.verbose {
        for note in &analysis.notes {
            // Notes name files and quote values of the repository.
            eprintln!("note: {}", crate::sanitize::visible(note));
        }
    }
    if args.timings {
        let bytes: usize = ws.files.iter().map(|f| f.text.len()).sum();
        let mut rows = vec![("discover + read", discovered)];
        rows.extend(analysis.timings.iter().copied());
        rows.push(("render", render_start.elapsed()));
        for (name, d) in &rows {
            eprintln!("{:>10.2} ms  {name}", d.as_secs_f64() * 1000.0);
        }
        let total = start.elapsed().as_secs_f64();
        eprintln!(
            "{:>10.2} ms  total: {} files, {:.1} MB, {:.0} files/s, {:.1} MB/s",
            total * 1000.0,
            ws.files.len(),
            bytes as f64 / 1e6,
            ws.files.len() as f64 / total,
            bytes as f64 / 1e6 / total
        );
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::Never => None,
    };
    let failed = threshold.is_some_and(|t| analysis.findings.iter().any(|f| f.severity >= t));
    // A file whose analysis failed inside acrlint: reported after the findings, exit 2.
    for e in &analysis.internal_errors {
        eprintln!("acrlint: error: {}", crate::sanitize::visible(e));
    }
    if !analysis.internal_errors.is_empty() {
        std::mem::forget(analysis);
        std::mem::forget(ws);
        return Ok(2);
    }
    // The process ends here: let the OS reclaim the graph instead of freeing it piece by
    // piece (a noticeable share of the run time on large trees).
    std::mem::forget(analysis);
    std::mem::forget(ws);
    Ok(i32::from(failed))
}
