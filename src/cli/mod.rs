//! The command line: `check`, `rules`, `explain`, `lsp`.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::Config;
use crate::finding::Severity;
use crate::report;
use crate::source::SourceFile;
use crate::{Workspace, analyze, rules};

#[derive(Parser, Debug)]
#[command(
    name = "acrlint",
    version,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Files and folders to scan (`-` reads one file from standard input).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = report::Format::Human)]
    pub format: report::Format,
    /// Exit with 1 when a finding at or above this severity remains.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
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
    /// Print the changes `--fix` would make as a unified diff, without writing; exit 1 when there are any.
    #[arg(long)]
    pub diff: bool,
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
        Err(msg) => {
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

fn run(cli: Cli) -> Result<i32, String> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Baseline {
            command: BaselineCommand::Write { file, args },
        } => {
            let (config, ws) = scan(&args)?;
            let analysis = analyze(&ws, &config);
            let baseline = crate::baseline::Baseline::of(&analysis);
            baseline.write(&file)?;
            eprintln!(
                "acrlint: wrote {} finding(s) to {}",
                baseline.findings.len(),
                crate::sanitize::path(&file)
            );
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
            None => Err(format!("unknown rule `{rule}` (see `acrlint rules`)")),
        },
        Command::Lsp { docs_url } => Ok(crate::lsp::run(crate::lsp::Options { docs_url })),
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
pub fn load_config(args: &CheckArgs) -> Result<Config, String> {
    let mut config = if args.no_config {
        Config::default()
    } else if let Some(p) = &args.config {
        Config::load(p).map_err(|e| e.to_string())?
    } else {
        let start = args
            .paths
            .iter()
            .find(|p| p.as_os_str() != "-")
            .cloned()
            .unwrap_or_else(|| PathBuf::from("."));
        match Config::discover(&start) {
            Some(p) => Config::load(&p).map_err(|e| e.to_string())?,
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
pub fn scan(args: &CheckArgs) -> Result<(Config, Workspace), String> {
    let mut config = load_config(args)?;
    let (ws, _) = workspace(args, &config)?;
    config.confine(&ws.roots)?;
    Ok((config, ws))
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
) -> Result<(Workspace, Option<PathBuf>), String> {
    let (stdin, paths): (Vec<&PathBuf>, Vec<&PathBuf>) =
        args.paths.iter().partition(|p| p.as_os_str() == "-");
    let paths: Vec<PathBuf> = paths.into_iter().cloned().collect();
    let cwd = std::env::current_dir().unwrap_or_default();
    let stdin_name = (!stdin.is_empty()).then(|| {
        args.stdin_filename
            .clone()
            .unwrap_or_else(|| "stdin.yaml".to_string())
    });
    let stdin_path = stdin_name
        .as_ref()
        .map(|name| crate::normalize(&cwd.join(name)));
    // Standard input joins its project only when it is named; unnamed, it stands alone.
    let placed = stdin_path
        .as_deref()
        .filter(|_| args.stdin_filename.is_some());
    let mut ws = if paths.is_empty() && placed.is_none() {
        Workspace::default()
    } else {
        crate::discover::project_workspace(&paths, placed, config)?
    };
    if let (Some(name), Some(path)) = (stdin_name, stdin_path.clone()) {
        use crate::discover::{MAX_FILE_BYTES, ReadError, decode_text};
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(format!(
                "standard input is over the {MAX_FILE_BYTES} byte limit; not scanned"
            ));
        }
        let text = decode_text(bytes).map_err(|e| match e {
            ReadError::NotText(m) | ReadError::Failed(m) => format!("standard input: {m}"),
        })?;
        if paths.iter().any(|p| crate::normalize(p) == path) {
            return Err(format!(
                "--stdin-filename {} names a file that is also scanned",
                crate::sanitize::visible(&name)
            ));
        }
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

fn check(args: CheckArgs) -> Result<i32, String> {
    let start = std::time::Instant::now();
    let mut config = load_config(&args)?;
    let baseline = match &args.baseline {
        Some(p) => Some(crate::baseline::Baseline::load(p)?),
        None => None,
    };
    let (mut ws, stdin_path) = workspace(&args, &config)?;
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
        let changes = crate::fix::plan(&analysis, &|p| on_disk.contains(p) || is_stdin(p));
        if args.diff {
            print!("{}", crate::fix::diff(&changes));
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
                return Err("a fix produced a file that does not parse; nothing was changed (please report this)".into());
            }
            let disk: Vec<crate::fix::FileChange> =
                changes.into_iter().filter(|c| !is_stdin(&c.path)).collect();
            crate::fix::write(&disk)?;
            let n: usize = disk.iter().map(|c| c.fixes).sum();
            if !disk.is_empty() {
                eprintln!("acrlint: fixed {n} finding(s) in {} file(s)", disk.len());
            }
            ws = fixed_ws;
            analysis = fixed;
        }
    }
    if let Some(b) = &baseline {
        b.filter(&mut analysis);
    }
    let render_start = std::time::Instant::now();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    if let Some(text) = &fixed_stdin {
        // As `ruff check --fix -`: the fixed source on standard output, the report on
        // standard error.
        let mut stdout = std::io::stdout().lock();
        let _ = stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush());
        let mut stderr = std::io::stderr().lock();
        let _ = report::write(&analysis, args.format, false, &mut stderr);
    } else {
        // Streamed: a closed pipe (`| head`) just ends the output; the exit code still counts.
        let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        let _ =
            report::write(&analysis, args.format, color, &mut stdout).and_then(|()| stdout.flush());
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
