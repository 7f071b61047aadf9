#!/bin/sh
# Prepares a local CUPS for idbooth's printing tests (tests/print_cups.rs). Idempotent; run as root.
#
#   - starts cupsd if no scheduler is running;
#   - configures cups-pdf to write every job to $IDBOOTH_CUPS_PDF_DIR (or $IDBOOTH_CUPS_OUT, as setup.sh
#     calls it; default /var/spool/cups-pdf/idbooth),
#     file names "job_<id>-<title>.pdf";
#   - adds (or repairs) the queue "idbooth-pdf" on the cups-pdf backend, enabled and accepting jobs, with the
#     abort-job error policy so one failed job never leaves the queue stopped for the next run.
#
# Needs the Debian packages cups cups-client cups-bsd printer-driver-cups-pdf (.ci/run installs them).
# Prints the output directory on success.
set -eu

printer=idbooth-pdf
out_dir=${IDBOOTH_CUPS_PDF_DIR:-${IDBOOTH_CUPS_OUT:-/var/spool/cups-pdf/idbooth}}
ppd=/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd
conf=/etc/cups/cups-pdf.conf

fail() {
    echo "cups-setup.sh: $*" >&2
    exit 1
}

[ "$(id -u)" -eq 0 ] || fail "must run as root (it edits /etc/cups and starts cupsd)"
for tool in cupsd lpadmin lpstat cupsenable cupsaccept; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool not found: apt-get install cups cups-client cups-bsd printer-driver-cups-pdf"
done
[ -f "$ppd" ] || fail "$ppd not found: apt-get install printer-driver-cups-pdf"
[ -f "$conf" ] || fail "$conf not found: apt-get install printer-driver-cups-pdf"

# cups-pdf: one known output directory for known and anonymous users, job ids in file names, the IPP
# job-name as title. Replace our keys wherever they are, so repeated runs leave one copy of each.
mkdir -p "$out_dir"
chmod 1777 "$out_dir"
[ -f "$conf.idbooth-orig" ] || cp "$conf" "$conf.idbooth-orig"
tmp=$(mktemp)
grep -v -E '^[[:space:]]*(Out|AnonDirName|Label|TitlePref)[[:space:]]' "$conf" | grep -v '^# idbooth tests' >"$tmp" || true
{
    cat "$tmp"
    echo "# idbooth tests (tests/cups-setup.sh)"
    echo "Out $out_dir"
    echo "AnonDirName $out_dir"
    echo "Label 1"
    echo "TitlePref 1"
} >"$conf"
rm -f "$tmp"

# The scheduler: start it only when none answers (a second cupsd would fail to bind port 631).
if ! lpstat -r 2>/dev/null | grep -q "is running"; then
    cupsd
    tries=0
    until lpstat -r 2>/dev/null | grep -q "is running"; do
        tries=$((tries + 1))
        [ "$tries" -le 100 ] || fail "cupsd did not come up within 10 s (see /var/log/cups/error_log)"
        sleep 0.1
    done
fi

lpadmin -p "$printer" -E -v cups-pdf:/ -P "$ppd" -o printer-error-policy=abort-job
cupsenable "$printer"
cupsaccept "$printer"
lpstat -p "$printer" >/dev/null || fail "queue $printer missing after lpadmin"
echo "$out_dir"
