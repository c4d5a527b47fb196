import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Pki {
  /** Absolute path of a generated file, e.g. path("ca.crt"). */
  path(name: string): string;
}

export function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * With the openssl CLI, in dir: CAs "ca" and "other-ca", and leaves they sign ("server", "client" and
 * "named" by ca, "stranger" by other-ca), all serverAuth + clientAuth; "named" is valid only for
 * DNS:tickmesh-back, the others for 127.0.0.1 and localhost. Files are NAME.crt and NAME.key.
 */
export function makePki(dir: string): Pki {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const ca = (name: string) => {
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", `/CN=${name}`,
      "-keyout", `${name}.key`, "-out", `${name}.crt`);
  };
  let serial = 1;
  const leaf = (name: string, signer: string, san = "IP:127.0.0.1,DNS:localhost") => {
    const ext = join(dir, `${name}.ext`);
    writeFileSync(ext, `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n`);
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
    openssl("x509", "-req", "-in", `${name}.csr`, "-CA", `${signer}.crt`, "-CAkey", `${signer}.key`, "-set_serial", String(serial++), "-days", "1",
      "-extfile", ext, "-out", `${name}.crt`);
  };
  ca("ca");
  ca("other-ca");
  leaf("server", "ca");
  leaf("client", "ca");
  leaf("stranger", "other-ca");
  leaf("named", "ca", "DNS:tickmesh-back");
  const path = (name: string) => join(dir, name);
  return { path };
}

