# Protocol profiles (--profile, docs/semantics.md §8.6) on a small fixture
# whose risk lists were computed by hand (tests/fixtures/profiles/README.md):
# every profile byte for byte, options given explicitly winning over the
# profile, and an unknown profile.
source "$(dirname "$0")/lib.sh"
dir=$fixtures/profiles
inputs=(--scans "$dir/scans.csv" --cases "$dir/cases.csv")

for profile in cn-ed8 cn-ed9 cwa; do
    run_ctrace trace "${inputs[@]}" --profile "$profile" --out "$work/risk-$profile.csv"
    expect_status 0 "--profile $profile"
    expect_same_file "$work/risk-$profile.csv" "$dir/risk-$profile.csv" "--profile $profile"
    expect_stderr_has "profile $profile;" "the summary line names --profile $profile"
done

# Without a profile: the defaults (look-back 4d, 15m, hops 2, 14d, no
# monitoring) list X, P, Q and S, each with 14 days.
cat >"$work/defaults-expected.csv" <<'CSV'
person,hop,code,first_exposure,last_exposure,quarantine_until,exposure_seconds,via_person,via_place
C,0,red,,,,0,,
X,1,red,2022-06-07T10:00:00Z,2022-06-07T11:00:00Z,2022-06-21T11:00:00Z,3600,C,M1
P,1,red,2022-06-08T09:00:00Z,2022-06-08T09:20:00Z,2022-06-22T09:20:00Z,1200,C,M1
Q,1,red,2022-06-09T12:00:00Z,2022-06-09T12:15:00Z,2022-06-23T12:15:00Z,900,C,R1
S,2,yellow,2022-06-08T18:00:00Z,2022-06-08T19:00:00Z,2022-06-22T19:00:00Z,3600,P,R2
CSV
run_ctrace trace "${inputs[@]}" --out "$work/defaults.csv"
expect_status 0 "no profile"
expect_same_file "$work/defaults.csv" "$work/defaults-expected.csv" "no profile"

# Explicit options win over cn-ed8's: --lookback 4d brings X back (hop 1: 14d
# + 7d), --hops 3 lists T (hop 3, past the lists: 7d + 0).
{
    head -n 2 "$dir/risk-cn-ed8.csv"
    echo 'X,1,red,2022-06-07T10:00:00Z,2022-06-07T11:00:00Z,2022-06-21T11:00:00Z,3600,C,M1,2022-06-28T11:00:00Z'
    tail -n +3 "$dir/risk-cn-ed8.csv"
    echo 'T,3,yellow,2022-06-09T08:00:00Z,2022-06-09T09:00:00Z,2022-06-16T09:00:00Z,3600,S,R3,2022-06-16T09:00:00Z'
} >"$work/overridden-expected.csv"
run_ctrace trace "${inputs[@]}" --profile cn-ed8 --lookback 4d --hops 3 --out "$work/overridden.csv"
expect_status 0 "--profile cn-ed8 --lookback 4d --hops 3"
expect_same_file "$work/overridden.csv" "$work/overridden-expected.csv" "explicit options over cn-ed8"
# ... also from a --config file.
printf 'profile = cn-ed8\nlookback = 4d\nhops = 3\n' >"$work/options.ini"
run_ctrace trace "${inputs[@]}" --config "$work/options.ini" --out "$work/from-config.csv"
expect_status 0 "profile and options in --config"
expect_same_file "$work/from-config.csv" "$work/overridden-expected.csv" "explicit options in --config"

# An unknown profile: a usage error naming the option and the known profiles.
run_ctrace trace "${inputs[@]}" --profile cn-ed10 --out "$work/unknown.csv"
expect_status 2 "--profile cn-ed10"
one_line_naming "--profile cn-ed10" "--profile: " "cn-ed10" "cn-ed8" "cn-ed9" "cwa"
[ ! -e "$work/unknown.csv" ] || fail "an unknown profile wrote a risk list"

# `ctrace help profiles` prints every profile.
run_ctrace help profiles
expect_status 0 "ctrace help profiles"
for profile in cn-ed8 cn-ed9 cwa; do
    grep -qF "$profile" "$work/stdout" || fail "ctrace help profiles does not name $profile"
done
finish
