# Sourced by build-root.sh. debootstrap_progress reads debootstrap's output: each line goes to
# "$TMP.log" (one per package and step, about 200 packages), and it says on stdout how far it
# is: every 25 packages of each stage (packages are unpacked and configured in two rounds,
# required then base: counted together), then a summary line.
debootstrap_progress() {
  local line stage start=$SECONDS
  local -A count=([downloading]=0 [extracting]=0 [unpacking]=0 [configuring]=0)
  while IFS= read -r line; do
    printf '%s\n' "$line" >>"${TMP:?}.log"
    case $line in
      "I: Retrieving "*) stage="downloading" ;;
      "I: Extracting "*) stage="extracting" ;;
      "I: Unpacking "*) stage="unpacking" ;;
      "I: Configuring "*) stage="configuring" ;;
      *) continue ;;
    esac
    count[$stage]=$((count[$stage] + 1))
    if [ $((count[$stage] % 25)) = 0 ]; then echo "build-root:   $stage: ${count[$stage]} of about 200 packages ($((SECONDS - start)) s)"; fi
  done
  echo "build-root:   debootstrap ended after $((SECONDS - start)) s: ${count[downloading]} downloaded, ${count[unpacking]} unpacked, ${count[configuring]} configured"
}
