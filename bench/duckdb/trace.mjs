#!/usr/bin/env node
// The DuckDB baseline of the ctrace benchmark: the tracing contract (stays §2,
// contacts §3, layered tracing §4, risk list §5) written as SQL and run in
// DuckDB, the way a capable analyst would do it without ctrace. It writes the
// same risk list as
//
//   ctrace trace --scans F --places F --cases F --tz +00:00 --out F
//
// byte for byte (bench/run.sh --vs-duckdb compares the two with cmp).
//
//   node trace.mjs --scans F [--places F] --cases F --out F [--threads 2]
//       [--hops 2] [--min-overlap-seconds 900] [--dwell-seconds 3600]
//       [--quarantine-seconds 1209600] [--lookback-seconds 345600]
//       [--latency-seconds 0] [--until-seconds T] [--tz +00:00]
//       [--bucket-seconds 3600]
//
// Persisted mode, DuckDB's counterpart of 'ctrace snapshot' and 'ctrace trace
// --snapshot': the stays are built once and saved in a DuckDB database file,
// then each trace opens that file and runs only the trace queries.
//
//   node trace.mjs --scans F [--places F] [--dwell-seconds S] --save-db DB   (build and save)
//   node trace.mjs --db DB --cases F --out F [trace options]                 (trace only)
//

// Timings of each phase go to stderr. Bad input is reported, not diagnosed
// row by row as ctrace does: this is a benchmark baseline, not a validator.
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const usage = `usage: node trace.mjs --scans F [--places F] --cases F --out F [--threads N]
  [--hops N] [--min-overlap-seconds S] [--dwell-seconds S] [--quarantine-seconds S]
  [--lookback-seconds S] [--latency-seconds S] [--until-seconds T] [--tz ±HH:MM]
  [--bucket-seconds S]
       node trace.mjs --scans F [--places F] [--dwell-seconds S] [--threads N] --save-db DB
       node trace.mjs --db DB --cases F --out F [--threads N] [--hops N] [...]
  --save-db DB   build the stays (and each place's longest stay) and save them in
                 the DuckDB database file DB, replaced atomically; no trace
  --db DB        trace on the stays saved by --save-db instead of reading scans`;

function fail(message, status = 2) {
    process.stderr.write(`trace.mjs: ${message}\n`);
    process.exit(status);
}

// ---------------------------------------------------------------- options
const options = {
    scans: null, places: null, cases: null, out: null, threads: null, hops: '2',
    'min-overlap-seconds': '900', 'dwell-seconds': '3600',
    'quarantine-seconds': '1209600', 'lookback-seconds': '345600',
    'latency-seconds': '0', 'until-seconds': null, tz: '+00:00',
    'bucket-seconds': '3600', 'save-db': null, db: null,
};
const argv = process.argv.slice(2);
for (let k = 0; k < argv.length; ++k) {
    const arg = argv[k];
    if (arg === '-h' || arg === '--help') { process.stdout.write(usage + '\n'); process.exit(0); }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : null;
    if (name === null || !(name in options)) fail(`unknown option '${arg}'\n${usage}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++k];
    if (value === undefined) fail(`option --${name} needs a value`);
    options[name] = value;
}
// Modes: 'csv' (scans to risk list), 'save' (scans to database), 'db'
// (database to risk list).
const mode = options['save-db'] !== null ? 'save' : options.db !== null ? 'db' : 'csv';
if (options['save-db'] !== null && options.db !== null) fail(`give --save-db or --db, not both`);
const requiredOptions = { csv: ['scans', 'cases', 'out'], save: ['scans'], db: ['cases', 'out'] }[mode];
for (const required of requiredOptions)
    if (!options[required]) fail(`--${required} is required\n${usage}`);
if (mode === 'save')
    for (const other of ['cases', 'out'])
        if (options[other] !== null) fail(`--${other} does not go with --save-db (it saves the stays only)`);
if (mode === 'db')
    for (const other of ['scans', 'places'])
        if (options[other] !== null) fail(`--${other} does not go with --db (the stays come from the database)`);
if (mode === 'db' && argv.some((arg) => arg.startsWith('--dwell-seconds')))
    fail(`--dwell-seconds does not go with --db (the stays were merged with the database's)`);

function integer(name, min = -(2 ** 53)) {
    const text = options[name];
    if (!/^-?[0-9]+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text)))
        fail(`--${name}: '${text}' is not an integer >= ${min}`);
    return Number(text);
}
const hops = integer('hops', 0);
const minOverlap = Math.max(integer('min-overlap-seconds', 0), 1);   // m = max(--min-overlap, 1 s)
const dwell = integer('dwell-seconds', 0);
const quarantine = integer('quarantine-seconds', 0);
const lookback = integer('lookback-seconds', 0);
const latency = integer('latency-seconds', 0);
const bucket = integer('bucket-seconds', 1);
const threads = options.threads === null ? null : integer('threads', 1);
// +∞ (no --until) is a sentinel far beyond any real time; ctrace rejects
// times beyond 2^55 s, so sums with it below cannot overflow a BIGINT.
const INF = 2n ** 62n;
const until = options['until-seconds'] === null ? INF : BigInt(integer('until-seconds'));
const tzMatch = /^(?:Z|UTC|([+-])([0-9]{2})(?::?([0-9]{2}))?)$/.exec(options.tz);
if (!tzMatch) fail(`--tz: '${options.tz}' is not Z, UTC, ±HH, ±HHMM or ±HH:MM`);
const tzSeconds = tzMatch[1] ? (tzMatch[1] === '-' ? -1 : 1) * (Number(tzMatch[2]) * 3600 + Number(tzMatch[3] ?? 0) * 60) : 0;
const tzSuffix = tzSeconds === 0 ? 'Z'
    : `${tzSeconds < 0 ? '-' : '+'}${String(Math.floor(Math.abs(tzSeconds) / 3600)).padStart(2, '0')}:${String(Math.abs(tzSeconds) / 60 % 60).padStart(2, '0')}`;

// ---------------------------------------------------------------- helpers
const phases = [];
let phaseStart = performance.now();
function phase(name) {
    const now = performance.now();
    const seconds = (now - phaseStart) / 1000;
    phases.push([name, seconds]);
    process.stderr.write(`trace.mjs: ${name.padEnd(36)} ${seconds.toFixed(2).padStart(8)} s\n`);
    phaseStart = now;
}
const sqlString = (text) => `'${text.replaceAll("'", "''")}'`;
const ident = (name) => `"${name.replaceAll('"', '""')}"`;

const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();
async function run(sql) {
    try {
        return await db.run(sql);
    } catch (error) {
        fail(String(error.message ?? error).split('\n')[0]);
    }
}
async function rows(sql) {
    try {
        return (await db.runAndReadAll(sql)).getRowsJS();
    } catch (error) {
        fail(String(error.message ?? error).split('\n')[0]);
    }
}
async function scalar(sql) {
    return (await rows(sql))[0][0];
}

if (threads !== null) await run(`SET threads = ${threads}`);
await run(`SET preserve_insertion_order = false`);
// Spill (if the default memory limit, 80% of RAM, is reached) beside the
// output rather than into ./.tmp, DuckDB's default for in-memory databases.
const besides = mode === 'save' ? options['save-db'] : options.out;
const spill = path.join(besides === '-' ? os.tmpdir() : path.dirname(path.resolve(besides)),
                        `.trace-duckdb-spill-${process.pid}`);
await run(`SET temp_directory = ${sqlString(spill)}`);
process.on('exit', () => fs.rmSync(spill, { recursive: true, force: true }));
{
    const [[version, threadCount, memoryLimit]] = await rows(
        `SELECT version(), current_setting('threads'), current_setting('memory_limit')`);
    process.stderr.write(`trace.mjs: DuckDB ${version}, ${threadCount} threads, memory limit ${memoryLimit}\n`);
}

// Times: epoch seconds, or ISO 8601 (date; or date, 'T' or ' ', HH:MM[:SS[.fff]]
// [Z|±HH:MM|±HHMM]); without an offset the time is in the --tz zone. A value
// that is neither becomes NULL (reported as a bad row by the callers);
// impossible dates and clock times raise an error.
for (const macro of `
CREATE MACRO iso_parts(v) AS regexp_extract(v,
    '^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.][0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$',
    ['y', 'mo', 'd', 'h', 'mi', 's', 'off']);
CREATE MACRO iso_seconds(p, tz) AS CASE
    WHEN p.y = '' THEN NULL
    WHEN p.h <> '' AND (p.h::INT > 23 OR p.mi::INT > 59 OR (p.s <> '' AND p.s::INT > 59)) THEN error('invalid clock time')
    ELSE date_diff('day', DATE '1970-01-01', make_date(p.y::INT, p.mo::INT, p.d::INT))::BIGINT * 86400
        + CASE WHEN p.h = '' THEN 0 ELSE p.h::BIGINT * 3600 + p.mi::BIGINT * 60 + CASE WHEN p.s = '' THEN 0 ELSE p.s::BIGINT END END
        - CASE WHEN p.off = '' THEN tz WHEN p.off = 'Z' THEN 0
               ELSE (CASE WHEN p.off[1] = '-' THEN -1 ELSE 1 END)
                    * (p.off[2:3]::BIGINT * 3600 + right(p.off, 2)::BIGINT * 60) END
    END;
CREATE MACRO to_seconds(v, tz) AS CASE
    WHEN regexp_full_match(v, '-?[0-9]+') THEN TRY_CAST(v AS BIGINT)
    ELSE iso_seconds(iso_parts(v), tz)::BIGINT END;
-- Durations: whole seconds or NdNhNmNs (any parts, in that order).
CREATE MACRO duration_seconds(v) AS CASE
    WHEN regexp_full_match(v, '[0-9]+') THEN v::BIGINT
    WHEN v <> '' AND regexp_full_match(v, '(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?') THEN
        coalesce(try_cast(regexp_extract(v, '([0-9]+)d', 1) AS BIGINT), 0) * 86400
        + coalesce(try_cast(regexp_extract(v, '([0-9]+)h', 1) AS BIGINT), 0) * 3600
        + coalesce(try_cast(regexp_extract(v, '([0-9]+)m', 1) AS BIGINT), 0) * 60
        + coalesce(try_cast(regexp_extract(v, '([0-9]+)s', 1) AS BIGINT), 0)
    END;
-- RFC 4180: quote a field only when it holds a comma, a quote, CR or LF.
CREATE MACRO csv_field(v) AS CASE
    WHEN v IS NULL THEN ''
    WHEN contains(v, ',') OR contains(v, '"') OR contains(v, chr(10)) OR contains(v, chr(13))
        THEN '"' || replace(v, '"', '""') || '"'
    ELSE v END;
CREATE MACRO out_time(t) AS CASE WHEN t IS NULL THEN ''
    ELSE strftime(make_timestamp((t + ${tzSeconds}) * 1000000), '%Y-%m-%dT%H:%M:%S') || '${tzSuffix}' END;
`.split(';\n').map((s) => s.trim()).filter(Boolean)) await run(macro);

// Columns are found by name: sniff the header first.
async function columnsOf(file) {
    if (!fs.existsSync(file)) fail(`${file}: no such file`);
    const described = await rows(`DESCRIBE SELECT * FROM read_csv(${sqlString(file)}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')`);
    return new Set(described.map((r) => r[0]));
}
function require_(file, columns, names) {
    for (const name of names) if (!columns.has(name)) fail(`${file}: missing column '${name}'`);
}
const csvOptions = `header = true, delim = ',', quote = '"', escape = '"'`;

// ---------------------------------------------------------------- 1. read
// Places: only dwell is interpreted. (With --db the stays are read from the
// database instead: no places and no scans.)
if (mode === 'db') {
    // nothing: the stays were merged by --save-db
} else if (options.places) {
    const columns = await columnsOf(options.places);
    require_(options.places, columns, ['place']);
    await run(`CREATE TABLE places AS
        SELECT place, ${columns.has('dwell') ? 'duration_seconds(dwell)' : 'NULL::BIGINT'} AS dwell,
               ${columns.has('dwell') ? 'dwell' : 'NULL'} AS dwell_text
        FROM read_csv(${sqlString(options.places)}, ${csvOptions}, all_varchar = true)`);
    const bad = await rows(`SELECT place, dwell_text FROM places WHERE place IS NULL OR (dwell_text IS NOT NULL AND dwell IS NULL) LIMIT 1`);
    if (bad.length) fail(`${options.places}: bad row (place '${bad[0][0]}', dwell '${bad[0][1]}')`);
    const twice = await rows(`SELECT place FROM places GROUP BY place HAVING count(*) > 1 LIMIT 1`);
    if (twice.length) fail(`${options.places}: place '${twice[0][0]}' listed twice`);
} else {
    await run(`CREATE TABLE places (place VARCHAR, dwell BIGINT)`);
}

// Cases: [a, b) with a = from, or onset - lookback; b = to, or --until.
// (--save-db saves stays only: no cases.)
if (mode !== 'save') {
    const file = options.cases;
    const columns = await columnsOf(file);
    require_(file, columns, ['person']);
    if (!columns.has('from') && !columns.has('onset')) fail(`${file}: missing column 'from' or 'onset'`);
    const text = (name) => columns.has(name) ? ident(name) : 'NULL::VARCHAR';
    await run(`CREATE TABLE cases_text AS
        SELECT person, ${text('from')} AS from_text, ${text('onset')} AS onset_text, ${text('to')} AS to_text
        FROM read_csv(${sqlString(file)}, ${csvOptions}, all_varchar = true)`);
    await run(`CREATE TABLE cases_parsed AS
        SELECT *, to_seconds(from_text, ${tzSeconds}) AS from_, to_seconds(onset_text, ${tzSeconds}) AS onset_,
               to_seconds(to_text, ${tzSeconds}) AS to_ FROM cases_text`);
    const bad = await rows(`SELECT person FROM cases_parsed
        WHERE person IS NULL OR (from_text IS NULL AND onset_text IS NULL)
           OR (from_text IS NOT NULL AND from_ IS NULL) OR (from_text IS NULL AND onset_ IS NULL)
           OR (to_text IS NOT NULL AND to_ IS NULL) LIMIT 1`);
    if (bad.length) fail(`${file}: bad row (person '${bad[0][0]}')`);
    await run(`CREATE TABLE cases AS
        SELECT person, coalesce(from_, onset_ - ${lookback}) AS a, coalesce(to_, ${until}::BIGINT) AS b FROM cases_parsed`);
    const empty = await rows(`SELECT person FROM cases WHERE b <= a LIMIT 1`);
    if (empty.length) fail(`${file}: case '${empty[0][0]}' has an empty infectious interval`);
    const twice = await rows(`SELECT person FROM cases GROUP BY person HAVING count(*) > 1 LIMIT 1`);
    if (twice.length) fail(`${file}: person '${twice[0][0]}' listed twice`);
}

// Scans. Epoch-second times are read as BIGINT by the CSV reader (the fast
// path an analyst would take); if that fails (ISO times), read text and parse.
if (mode !== 'db') {
    const file = options.scans;
    const columns = await columnsOf(file);
    require_(file, columns, ['person', 'place', 'time']);
    const hasLeave = columns.has('leave');
    const types = `{'person': 'VARCHAR', 'place': 'VARCHAR', 'time': 'BIGINT'${hasLeave ? ", 'leave': 'BIGINT'" : ''}}`;
    const leave = hasLeave ? 'leave' : 'NULL::BIGINT';
    let ok = true;
    try {
        await db.run(`CREATE TABLE scans AS SELECT person, place, "time" AS t, ${leave} AS leave
            FROM read_csv(${sqlString(file)}, ${csvOptions}, types = ${types})`);
    } catch (error) {
        ok = false;
    }
    if (!ok) {
        await run(`CREATE OR REPLACE TABLE scans AS
            SELECT person, place, to_seconds("time", ${tzSeconds}) AS t,
                   ${hasLeave ? `to_seconds(leave, ${tzSeconds})` : 'NULL::BIGINT'} AS leave,
                   "time" AS time_text, ${hasLeave ? 'leave' : 'NULL'} AS leave_text
            FROM read_csv(${sqlString(file)}, ${csvOptions}, all_varchar = true)`);
        const bad = await rows(`SELECT time_text, leave_text FROM scans
            WHERE t IS NULL OR (leave_text IS NOT NULL AND leave IS NULL) LIMIT 1`);
        if (bad.length) fail(`${file}: bad time '${bad[0][0]}' or leave '${bad[0][1]}'`);
    }
    const bad = await rows(`SELECT count(*) FROM scans WHERE person IS NULL OR place IS NULL OR t IS NULL OR leave < t`);
    if (bad[0][0] > 0n) fail(`${file}: ${bad[0][0]} bad rows (missing field or leave before time)`);
}
phase(mode === 'db' ? 'read cases' : 'read CSV');

// --db: the stays and place spans saved by --save-db, attached read-only; the
// trace's own tables stay in memory.
if (mode === 'db') {
    if (!fs.existsSync(options.db)) fail(`${options.db}: no such file (make it with --save-db)`);
    await run(`ATTACH ${sqlString(options.db)} AS saved (READ_ONLY)`);
    const tables = new Set((await rows(`SELECT table_name FROM duckdb_tables() WHERE database_name = 'saved'`)).map((r) => r[0]));
    for (const table of ['stays', 'place_span'])
        if (!tables.has(table)) fail(`${options.db}: no table '${table}' (not made by --save-db)`);
    await run(`CREATE VIEW stays AS SELECT person, place, s, e FROM saved.stays`);
    await run(`CREATE VIEW place_span AS SELECT place, span FROM saved.place_span`);
    phase('open database');
}

// ---------------------------------------------------------------- 2. stays
// Visits [time, leave) or [time, time + dwell); visits of a person at a place
// that overlap or touch merge into one stay (gaps and islands, in one sorted
// window pass): in the order of (start, end) a visit opens a stay when its
// start lies after the running maximum of the ends before it (pm), and closes
// it when the next start lies after the running maximum up to it (cm). Most
// stays are one visit (opens and closes); the few others pair each opening
// with the next closing in a second, small window pass. Ties are broken by
// the row number of the first pass: ordering the second pass by (start, end)
// again would let exact duplicates swap and split a stay.
if (mode !== 'db') {
    await run(`CREATE TABLE stays AS
        WITH visits AS (
            SELECT person, place, t AS s, coalesce(leave, t + coalesce(places.dwell, ${dwell})) AS e
            FROM scans LEFT JOIN places USING (place)),
        running AS (
            SELECT person, place, s,
                   max(e) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS pm,
                   max(e) OVER (w ROWS UNBOUNDED PRECEDING) AS cm,
                   lead(s) OVER w AS next_s,
                   row_number() OVER w AS rn
            FROM visits WINDOW w AS (PARTITION BY person, place ORDER BY s, e)),
        bounds AS (
            SELECT person, place, s, cm, rn, coalesce(s > pm, true) AS opens, coalesce(next_s > cm, true) AS closes
            FROM running WHERE coalesce(s > pm, true) OR coalesce(next_s > cm, true)),
        paired AS (
            SELECT person, place, s, opens, lead(cm) OVER (PARTITION BY person, place ORDER BY rn) AS e
            FROM bounds WHERE opens <> closes)
        SELECT person, place, s, cm AS e FROM bounds WHERE opens AND closes
        UNION ALL
        SELECT person, place, s, e FROM paired WHERE opens`);
    await run(`DROP TABLE scans`);
    phase('merge stays');
}

// ---------------------------------------------------------------- 3. trace
// Contacts are an interval join at each place. DuckDB joins on equalities
// with hash tables and would test every pair of stays at a place, so the
// join is on (place, time bucket): a target stay is found under the bucket
// of width W holding its start; a source stay [s, e) looks in the buckets
// that can hold the start of a stay overlapping it by m or more, which
// starts in [s + m - span, e - m] where span is the place's longest stay.
if (mode !== 'db') {
    await run(`CREATE TABLE place_span AS SELECT place, max(e - s) AS span FROM stays GROUP BY place`);
    phase('place spans');
}

// --save-db: copy the stays and the place spans into a new database file,
// written under a temporary name beside it and renamed over it when complete.
if (mode === 'save') {
    const target = path.resolve(options['save-db']);
    const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
    const removeTemporary = () => { for (const f of [temporary, `${temporary}.wal`]) fs.rmSync(f, { force: true }); };
    removeTemporary();
    process.on('exit', removeTemporary);
    await run(`ATTACH ${sqlString(temporary)} AS saved`);
    await run(`CREATE TABLE saved.stays AS SELECT person, place, s, e FROM stays`);
    await run(`CREATE TABLE saved.place_span AS SELECT place, span FROM place_span`);
    await run(`CREATE TABLE saved.saved_with AS SELECT ${sqlString(options.scans)} AS scans,
        ${options.places ? sqlString(options.places) : 'NULL::VARCHAR'} AS places, ${dwell}::BIGINT AS dwell_seconds,
        now() AS saved_at`);
    await run(`CHECKPOINT saved`);
    await run(`DETACH saved`);
    if (fs.existsSync(`${temporary}.wal`)) fail(`${temporary}.wal: left after the checkpoint`, 1);
    fs.renameSync(temporary, target);
    phase('save database');
    const [[stayCount, placeCount]] = await rows(`SELECT (SELECT count(*) FROM stays), (SELECT count(*) FROM place_span)`);
    const total = phases.reduce((sum, [, seconds]) => sum + seconds, 0);
    process.stderr.write(`trace.mjs: saved ${stayCount} stays at ${placeCount} places to ${options['save-db']} `
        + `(${(fs.statSync(target).size / 1048576).toFixed(1)} MB), ${total.toFixed(2)} s in all\n`);
    process.exit(0);
}

// E: one row per (person, layer h) with E_h(p) finite, for persons that are
// not index cases. risk: one row per person reached, with the fields of §5
// computed over the events that qualify at the person's hop layer.
await run(`CREATE TABLE E (person VARCHAR, h INTEGER, e BIGINT)`);
await run(`CREATE TABLE risk (person VARCHAR, hop INTEGER, first_exposure BIGINT, last_exposure BIGINT,
                              exposure_seconds HUGEINT, via_person VARCHAR, via_place VARCHAR)`);
let events = 0n;
for (let h = 0; h < hops; ++h) {
    const last = h + 1 === hops;
    // Infectious intervals at layer h: [a, b) for cases, [E_h + λ, U) for others.
    // The source's stays are clipped to it; a clipped stay shorter than m
    // cannot give an effective overlap of m.
    await run(`CREATE OR REPLACE TABLE sources AS
        WITH infectious AS (
            SELECT person, a AS i, b AS j FROM cases
            UNION ALL
            SELECT person, e + ${latency} AS i, ${until}::BIGINT AS j FROM E WHERE h = ${h} AND e + ${latency} < ${until}::BIGINT),
        clipped AS (
            SELECT q.person AS q, q.place, greatest(q.s, infectious.i) AS s, least(q.e, infectious.j) AS e
            FROM stays q JOIN infectious USING (person))
        SELECT q, place, s, e, unnest(range((s + ${minOverlap} - span) // ${bucket}, (e - ${minOverlap}) // ${bucket} + 1)) AS bucket
        FROM clipped JOIN place_span USING (place) WHERE e - s >= ${minOverlap}`);
    // Events qualifying at layer h+1: effective overlap [max(s), min(e)) >= m,
    // target not an index case (and, at the last layer, not reached before:
    // only new persons still need their E and their row).
    await run(`CREATE OR REPLACE TABLE layer AS
        WITH targets AS (
            SELECT person, place, s, e FROM stays
            WHERE person NOT IN (SELECT person FROM cases)
              ${last ? `AND person NOT IN (SELECT person FROM E WHERE h = ${h})` : ''}),
        qualifying AS (
            SELECT t.person AS p, src.q, src.place, greatest(src.s, t.s) AS xs, least(src.e, t.e) AS xe
            FROM sources src JOIN targets t ON t.place = src.place AND t.s // ${bucket} = src.bucket
            WHERE t.person <> src.q AND least(src.e, t.e) - greatest(src.s, t.s) >= ${minOverlap})
        SELECT p, min(xs) AS first_exposure, max(xe) AS last_exposure, sum(xe - xs) AS exposure_seconds,
               min({'xs': xs, 'q': q, 'place': place}) AS via, count(*) AS n
        FROM qualifying GROUP BY p`);
    events += await scalar(`SELECT coalesce(sum(n), 0)::BIGINT FROM layer`);
    // Persons reached for the first time get hop h+1 and their row.
    await run(`INSERT INTO risk
        SELECT p, ${h + 1}, first_exposure, last_exposure, exposure_seconds, via.q, via.place
        FROM layer WHERE p NOT IN (SELECT person FROM E WHERE h = ${h})`);
    // E_{h+1}(p) = min(E_h(p), earliest exposure start at layer h+1).
    if (!last)
        await run(`INSERT INTO E
            SELECT person, ${h + 1}, min(e) FROM (
                SELECT person, e FROM E WHERE h = ${h}
                UNION ALL SELECT p, first_exposure FROM layer) GROUP BY person`);
    // How many persons reached earlier had their E lowered by a longer chain
    // (the subtle point of §4): reported, it changes nothing.
    const lowered = last ? 0n : await scalar(`SELECT count(*) FROM E a JOIN E b USING (person)
        WHERE a.h = ${h} AND b.h = ${h + 1} AND b.e < a.e`);
    phase(`trace layer ${h + 1}${lowered > 0n ? ` (${lowered} E lowered)` : ''}`);
}

// ---------------------------------------------------------------- 4. write
const noScans = await rows(`SELECT person FROM cases
    WHERE person NOT IN (SELECT person FROM stays WHERE person IN (SELECT person FROM cases)) ORDER BY person`);
// DuckDB writes the file (to a temporary name beside the target, renamed
// into place when complete, as ctrace does). Each line is built in SQL and
// written as one unquoted column.
const header = 'person,hop,code,first_exposure,last_exposure,quarantine_until,exposure_seconds,via_person,via_place';
const target = options.out === '-' ? null : options.out;
const temporary = target === null
    ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'trace-')), 'risk.csv')
    : path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
await run(`SET preserve_insertion_order = true`);
const listed = await scalar(`COPY (
    WITH listed AS (
        SELECT person, 0 AS hop, NULL::BIGINT AS first_exposure, NULL::BIGINT AS last_exposure,
               0::HUGEINT AS exposure_seconds, NULL AS via_person, NULL AS via_place FROM cases
        UNION ALL SELECT * FROM risk)
    SELECT concat_ws(',', csv_field(person), hop, CASE WHEN hop <= 1 THEN 'red' ELSE 'yellow' END,
                     out_time(first_exposure), out_time(last_exposure),
                     out_time(last_exposure + ${quarantine}), exposure_seconds,
                     csv_field(via_person), csv_field(via_place)) AS ${ident(header)}
    FROM listed ORDER BY hop, first_exposure NULLS FIRST, person)
    TO ${sqlString(temporary)} (FORMAT csv, HEADER true, QUOTE '', ESCAPE '', DELIMITER chr(1))`);
if (target === null) {
    process.stdout.write(fs.readFileSync(temporary));
    fs.rmSync(path.dirname(temporary), { recursive: true });
} else {
    fs.renameSync(temporary, target);
}
for (const [person] of noScans)
    process.stderr.write(`trace.mjs: warning: index case '${person}' has no scans; listed without contacts\n`);
phase('write risk list');
const total = phases.reduce((sum, [, seconds]) => sum + seconds, 0);
const stayCount = await scalar(`SELECT count(*) FROM stays`);
process.stderr.write(`trace.mjs: ${stayCount} stays, ${listed} listed, ${events} qualifying events, ${total.toFixed(2)} s in all\n`);
