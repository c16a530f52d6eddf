//! TLS to PostgreSQL, against a cluster of the test's own with `ssl = on` and a
//! certificate from a self-signed authority made for the occasion.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use diesel::sql_types::Bool;
use diesel_async::RunQueryDsl;
use oms_persistence::testing::{give_to_postgres, Cluster};
use oms_persistence::{ConnectOptions, DatabaseAddress, SslMode};

#[derive(diesel::QueryableByName)]
struct Encrypted {
    #[diesel(sql_type = Bool)]
    ssl: bool,
}

fn openssl(args: &[&str], dir: &Path) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command makes the test certificates");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A self-signed authority (`ca.crt`) and a server certificate it signed for
/// `localhost` and 127.0.0.1 (`server.crt`, `server.key`).
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=oms test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ],
        dir,
    );
    openssl(
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
        dir,
    );
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "san.ext",
            "-out",
            "server.crt",
        ],
        dir,
    );
    (
        dir.join("ca.crt"),
        dir.join("server.crt"),
        dir.join("server.key"),
    )
}

fn options(
    cluster: &Cluster,
    host: &str,
    mode: SslMode,
    root_cert: Option<&Path>,
) -> ConnectOptions {
    let mut address = DatabaseAddress::from_parts(host, cluster.port(), "postgres", "postgres", "")
        .with_ssl_mode(mode);
    if let Some(root_cert) = root_cert {
        address = address.with_root_cert(root_cert.to_path_buf());
    }
    ConnectOptions {
        address,
        schema: "public".to_owned(),
        statement_timeout: Duration::from_secs(5),
    }
}

async fn encrypted(options: &ConnectOptions) -> Result<bool, String> {
    let mut conn = options.connect().await.map_err(|error| error.to_string())?;
    let row: Encrypted =
        diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .get_result(&mut conn)
            .await
            .map_err(|error| error.to_string())?;
    Ok(row.ssl)
}

#[tokio::test]
async fn each_ssl_mode_does_what_libpq_documents() {
    let folder = tempdir();
    let (ca, cert, key) = certificates(&folder);
    give_to_postgres(&folder);
    let cluster = Cluster::start_new(&format!(
        "ssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'",
        cert.display(),
        key.display()
    ));

    assert_eq!(
        encrypted(&options(&cluster, "127.0.0.1", SslMode::Disable, None)).await,
        Ok(false)
    );
    assert_eq!(
        encrypted(&options(&cluster, "127.0.0.1", SslMode::Require, None)).await,
        Ok(true),
        "require encrypts without checking the certificate"
    );
    for host in ["127.0.0.1", "localhost"] {
        assert_eq!(
            encrypted(&options(&cluster, host, SslMode::VerifyFull, Some(&ca))).await,
            Ok(true),
            "verify-full with the certificate trusted, via {host}"
        );
        assert_eq!(
            encrypted(&options(&cluster, host, SslMode::VerifyCa, Some(&ca))).await,
            Ok(true)
        );
    }
    let refused = encrypted(&options(&cluster, "127.0.0.1", SslMode::VerifyFull, None))
        .await
        .expect_err("a certificate from an untrusted authority is refused");
    assert!(
        refused.contains("certificate"),
        "the error says why: {refused}"
    );

    let missing = options(
        &cluster,
        "127.0.0.1",
        SslMode::VerifyFull,
        Some(Path::new("/nonexistent/ca.pem")),
    );
    let error = encrypted(&missing)
        .await
        .expect_err("a missing root file is an error");
    assert!(error.contains("/nonexistent/ca.pem"), "{error}");
    drop(cluster);
    let _ = std::fs::remove_dir_all(folder);
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("oms-tls-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
