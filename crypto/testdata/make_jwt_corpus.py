#!/usr/bin/env python3
"""Regenerates crypto/testdata/jwt_corpus: seeds for //crypto:jwt_fuzz_test.

Signed with Python's `cryptography` (an independent ES256 implementation) using
the test-vector keys of docs/stack-wire-format.md, at the time the test's
FakeClock shows (1700000000). Files named valid_* must verify; every other one must be refused.
ECDSA signatures are randomised, so each run writes different bytes.
"""
import json, base64, os
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.hazmat.primitives import hashes, hmac
def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b'=').decode()
def b64ud(s): return base64.urlsafe_b64decode(s + '='*(-len(s)%4))
NOW=1700000000
ISS="https://auth.example/api/v1/projects/internal"
keys={'internal':('M5zZLA6iQw2n','IheOz2KuLWZ5b7tD6WwR4GohgzC6R-LctuIy4hdKMGk'),
      'internal:anon':('FInOUGcpZb24','_UpbfXiXvabqcGTkcfZi6XxgguYZ2FAjKm6oMClSjh0'),
      'internal#2':('YllKZ6LZIF_3','HwTrxr3QOvrw72ZPft7yDvAhE4r0Sanvh6Df0aW7AYg')}
def claims(aud='internal', iss=ISS, iat=NOW, exp=NOW+600, **extra):
    c={"iss":iss,"sub":"6c4b3a2e-1d0f-4e9a-8b7c-6d5e4f3a2b1c","aud":aud,"iat":iat,"exp":exp,
       "project_id":"internal","branch_id":"main","refresh_token_id":"1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b",
       "role":"authenticated","name":"Ad\u00e9 \"quoted\"","email":None,"email_verified":False,"selected_team_id":None,
       "signed_up_at":NOW-1000,"is_anonymous":False,"is_restricted":False,"restricted_reason":None,"requires_totp_mfa":False}
    c.update(extra); return c
def J(o): return json.dumps(o, separators=(',',':'), ensure_ascii=False)
def sign(keyname, header_text, payload_text):
    kid,d=keys[keyname]
    k=ec.derive_private_key(int.from_bytes(b64ud(d),'big'), ec.SECP256R1())
    inp=b64u(header_text.encode())+'.'+b64u(payload_text.encode())
    r,s=utils.decode_dss_signature(k.sign(inp.encode(), ec.ECDSA(hashes.SHA256())))
    return inp+'.'+b64u(r.to_bytes(32,'big')+s.to_bytes(32,'big'))
H=lambda kid='M5zZLA6iQw2n': J({"alg":"ES256","kid":kid})
out={}
out['valid_internal']=sign('internal',H(),J(claims()))
out['valid_internal_scheme2']=sign('internal#2',H('YllKZ6LZIF_3'),J(claims()))
out['valid_anon']=sign('internal:anon',H('FInOUGcpZb24'),J(claims(aud='internal:anon',iss="https://auth.example/api/v1/projects-anonymous-users/internal",is_anonymous=True,is_restricted=True,restricted_reason={"type":"anonymous"})))
out['expired']=sign('internal',H(),J(claims(iat=NOW-1000,exp=NOW-100)))
out['future_iat']=sign('internal',H(),J(claims(iat=NOW+3600,exp=NOW+4200)))
out['wrong_issuer']=sign('internal',H(),J(claims(iss="https://evil.example/")))
out['dup_header']=sign('internal','{"alg":"ES256","kid":"M5zZLA6iQw2n","kid":"YllKZ6LZIF_3"}',J(claims()))
p=J(claims()); out['dup_payload']=sign('internal',H(),'{"exp":99999999999,'+p[1:])
out['crit']=sign('internal','{"alg":"ES256","kid":"M5zZLA6iQw2n","crit":["exp"]}',J(claims()))
out['valid_typ_header']=sign('internal','{"alg":"ES256","kid":"M5zZLA6iQw2n","typ":"JWT"}',J(claims()))
out['alg_none']=b64u(b'{"alg":"none","kid":"M5zZLA6iQw2n"}')+'.'+b64u(J(claims()).encode())+'.'
inp=b64u(b'{"alg":"HS256","kid":"M5zZLA6iQw2n"}')+'.'+b64u(J(claims()).encode())
h=hmac.HMAC(b64ud('1nTfAlWSPsAvLhYQkp_fGz7RckPtP6ZEZjVj6jZd70k'),hashes.SHA256()); h.update(inp.encode())
out['hs256_confusion']=inp+'.'+b64u(h.finalize())
out['unknown_kid']=sign('internal',H('AAAAAAAAAAAA'),J(claims()))
out['valid_nested']=sign('internal',H(),J(claims(deep=[[[[[[[[{"a":[1,2.5e3,-0.0,True,None,"\\u00e9"]}]]]]]]]])))
out['array_aud']=sign('internal',H(),J(claims(aud=["internal"])))
out['padded']=out['valid_internal']+'=='
out['four_segments']=out['valid_internal']+'.e30'
d=os.path.join(os.path.dirname(os.path.abspath(__file__)),'jwt_corpus')
for k,v in out.items():
    open(os.path.join(d,k+'.jwt'),'w').write(v)
print(len(out))
