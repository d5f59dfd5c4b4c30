export const HELP_TEXT = `tunechain — tune the prompts inside a LangChain.js chain

Usage:
  tunechain tune <config>              tune the config's program; save the tuned values and a run record
  tunechain eval <config>              score the config's program on its data (valset, else dataset, else trainset)
  tunechain report <run.json>          render a run record as a self-contained HTML report
  tunechain compare <config>           run each of the config's compare.optimizers with several seeds under
                                       the same metric budget; print the ranking with p-values, write a report

A config is a .ts or .js file exporting program, reward, optimizers and data (trainset / valset as arrays
or as paths of .jsonl / .json files, or dataset), and optionally testset, fit (extra fit options), prices
(for --dry-run costs) and compare ({ optimizers: { name: ({ seed }) => optimizer, … }, seeds, maxMetricCalls }).
See README.md.

Options:
  --out <path>            tune: tuned values (default tuned.json; the run record goes next to it as
                          <name>.run.json); eval: write the scores as JSON; report: the HTML file
                          (default: the run record's path with .html); compare: the HTML report
                          (default comparison.html; the comparison as JSON next to it)
  --dry-run               tune, compare: print the expected program runs, model calls, tokens and cost
                          (with the config's prices) and exit; nothing is run, no model is called
  --max-metric-calls <n>  tune, compare: the metric budget of a run: a number or light | medium | heavy
  --seeds <n|a,b,…>       compare: how many seeds (0…n−1), or which (default 6)
  --pairing <how>         compare: pair scores by seeds (default) or by examples (seed × test example)
  --dataset <path>        eval: score on this .jsonl / .json file instead of the config's data
  --load <tuned.json>     eval: load tuned values (an artifact of \`tunechain tune\`) before scoring
  --epochs <n>            passes over the training set
  --concurrency <n>       examples run at once
  --seed <n>              seed of every random choice (same seed + replayed fixtures = same run)
  --budget-calls <n>      stop tuning after this many model calls
  --budget-tokens <n>     stop tuning after this many tokens (input + output)
  --budget-usd <x>        stop tuning after this cost (needs a price table in the config's models)
  --checkpoint <path>     save a checkpoint after every batch
  --resume                continue from the checkpoint (needs --checkpoint)
  --quiet                 no progress bar, only the final summary and errors
  -h, --help              show this help
  -v, --version           show the version

Exit codes:
  0    success
  1    the run failed (unexpected error)
  2    usage, config or dataset error (the message names the file and line)
  3    budget exhausted (the best values found were still saved)
  130  interrupted with Ctrl-C (the checkpoint was saved; rerun with --resume)
`;
