# Sourced by the other scripts: runs set-up (fast when done) and exports
# LIBTORCH so that cargo can build tch. Pass --cuda via CERVAI_VARIANT=cuda.
_cervai_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${CERVAI_VARIANT:-cpu}" = cuda ]; then
  _cervai_env=$(bash "$_cervai_root/scripts/setup.sh" --cuda)
else
  _cervai_env=$(bash "$_cervai_root/scripts/setup.sh")
fi
# shellcheck disable=SC1090
source "$_cervai_env"
