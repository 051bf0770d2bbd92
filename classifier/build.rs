//! Embeds an rpath to libtorch so binaries and tests start without
//! LD_LIBRARY_PATH; `scripts/setup.sh` provides LIBTORCH.
fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    if let Ok(dir) = std::env::var("LIBTORCH") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}/lib");
    }
}
