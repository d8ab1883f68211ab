#!/bin/bash
# Vendors every crate the server build needs into ./vendor, so that the
# build (and a distro package build) runs without network.  Needs network
# once; prepare-source.sh copies ./vendor into the server tree.
#
# Debian's dh_clean deletes editor and patch leftovers anywhere in the
# source tree (*.orig, *.rej, *.bak, *~, ...), and every crate ships a
# Cargo.toml.orig that its .cargo-checksum.json lists: cargo would then
# refuse the crate ("failed to calculate checksum").  Such files are not
# needed to build, so they are removed here, with their checksum entries,
# the way Debian's own vendored Rust packages do it.
. "$(dirname "$0")/lib.sh"
cd "$REPO_DIR"
cargo vendor --locked --versioned-dirs vendor >/dev/null
find vendor -mindepth 2 -type f \( -name '*.orig' -o -name '*.rej' -o -name '*.bak' \
  -o -name '*~' -o -name '#*#' -o -name DEADJOE -o -name .SUMS -o -name TAGS \) -print0 |
  perl -0 -MJSON::PP -e '
    my %gone;
    while (my $path = <STDIN>) {
      chomp $path;
      my ($crate, $rel) = $path =~ m{^(vendor/[^/]+)/(.+)$} or next;
      unlink $path or die "unlink $path: $!\n";
      push @{$gone{$crate}}, $rel;
    }
    my $json = JSON::PP->new->canonical;
    for my $crate (sort keys %gone) {
      my $file = "$crate/.cargo-checksum.json";
      open my $in, "<", $file or die "$file: $!\n";
      my $sums = $json->decode(do { local $/; <$in> });
      close $in;
      delete $sums->{files}{$_} for @{$gone{$crate}};
      open my $out, ">", $file or die "$file: $!\n";
      print $out $json->encode($sums);
      close $out;
    }'
log "vendored $(ls vendor | wc -l) crates into $REPO_DIR/vendor"
